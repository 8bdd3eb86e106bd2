"""The OCI runtime behind one protocol: runc and crun, driven through their command lines.

Every call passes ``--root`` (a state directory under pallet's run root, chosen by the caller)
so that pallet's containers, and each test's, are kept apart from anything else on the host.
Processes are started with ``os.posix_spawn``: the subprocess module costs more to import
than a container takes to start.
"""

from __future__ import annotations

import os

from pallet import jsonlite
from pallet.errors import CommandCannotInvoke, CommandNotFound, ContainerNotFound, RuntimeFailure

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~3 ms of start-up)
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any, Protocol
else:
    Protocol = object

__all__ = [
    "Launch",
    "OCIRuntime",
    "RuntimeState",
    "SubprocessRuntime",
    "find_binary",
    "map_start_error",
    "spawn",
    "wait_status",
]


class RuntimeState:
    """What ``runtime state ID`` reports: status is created, running, paused or stopped.

    A plain class: the monitor imports this module, and ``dataclasses`` costs ~20 ms.
    """

    __slots__ = ("bundle", "created", "id", "pid", "status")

    def __init__(self, id: str, status: str, pid: int, bundle: str, created: str = "") -> None:
        self.id = id
        self.status = status
        self.pid = pid
        self.bundle = bundle
        self.created = created

    def __repr__(self) -> str:
        return f"RuntimeState(id={self.id!r}, status={self.status!r}, pid={self.pid!r})"


class OCIRuntime(Protocol):
    """The verbs pallet needs from an OCI runtime."""

    name: str
    path: str
    root: str

    def create(
        self,
        id: str,
        bundle: str,
        *,
        pid_file: str,
        stdio: tuple[int, int, int] = (0, 1, 2),
        console_socket: str | None = None,
    ) -> None:
        """Create the container (its process waits for ``start``)."""

    def begin_run_detached(
        self,
        id: str,
        bundle: str,
        *,
        pid_file: str,
        stdio: tuple[int, int, int] = (0, 1, 2),
        console_socket: str | None = None,
    ) -> Launch:
        """Create and start in one runtime call (``run --detach``); return once the runtime
        process is started, for the caller to ``wait()`` on."""

    def start(self, id: str) -> None:
        """Let a created container's process run."""

    def state(self, id: str) -> RuntimeState:
        """The runtime's view of the container; raises ContainerNotFound if it has none."""

    def kill(self, id: str, signal: int | str = "TERM", all: bool = False) -> None:
        """Send ``signal`` to the container's init process (or to all its processes)."""

    def delete(self, id: str, force: bool = False) -> None:
        """Remove the runtime's state (and, with ``force``, kill a running container)."""

    def delete_in_two(self, id: str) -> Callable[[], None]:
        """Delete a stopped container's state: part now, the rest when the function returned
        is called (see ``SubprocessRuntime.delete_in_two``)."""

    def exec(
        self,
        id: str,
        process: dict[str, Any],
        *,
        detach: bool = False,
        tty: bool = False,
        stdio: tuple[int, int, int] = (0, 1, 2),
        pid_file: str | None = None,
        console_socket: str | None = None,
    ) -> int:
        """Run ``process`` (a runtime-spec process object) in the container; return its status
        (0 when detached)."""

    def pause(self, id: str) -> None:
        """Freeze every process of the container."""

    def resume(self, id: str) -> None:
        """Thaw a paused container."""

    def ps(self, id: str) -> list[int]:
        """The host pids of the container's processes."""

    def update(self, id: str, resources: dict[str, Any]) -> None:
        """Change a running container's cgroup limits (runtime-spec ``linux.resources``)."""


def find_binary(name: str) -> str | None:
    """Look ``name`` up in $PATH and the sbin directories (root's PATH may lack them)."""
    if "/" in name:
        return name if os.access(name, os.X_OK) else None
    dirs = [*os.environ.get("PATH", "").split(":"), "/usr/local/sbin", "/usr/sbin", "/sbin"]
    for d in dirs:
        path = os.path.join(d or ".", name)
        if os.access(path, os.X_OK) and not os.path.isdir(path):
            return path
    return None


def spawn(argv: Sequence[str], stdio: tuple[int, int, int], *, close: Sequence[int] = ()) -> int:
    """Start ``argv`` with ``stdio`` as its fds 0, 1, 2; return its pid."""
    actions: list[tuple[Any, ...]] = [(os.POSIX_SPAWN_DUP2, fd, i) for i, fd in enumerate(stdio)]
    actions += [(os.POSIX_SPAWN_CLOSE, fd) for fd in close]
    return os.posix_spawn(argv[0], list(argv), os.environ, file_actions=actions)


def wait_status(pid: int) -> int:
    """Wait for ``pid`` and return its exit code (128+N for a signal)."""
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except ChildProcessError:
            return -1
        except InterruptedError:  # pragma: no cover - PEP 475 retries already
            continue
    return (
        os.waitstatus_to_exitcode(status)
        if not os.WIFSIGNALED(status)
        else (128 + os.WTERMSIG(status))
    )


def _error_text(raw: bytes) -> str:
    msgs = []
    for line in raw.decode(errors="replace").splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                obj = jsonlite.loads(line)
            except ValueError:
                obj = None
            if isinstance(obj, dict):
                if obj.get("level") in ("error", "fatal", None):
                    msgs.append(str(obj.get("msg", "")))
                continue
        if 'msg="' in line:
            msg = line.split('msg="', 1)[1].rsplit('"', 1)[0]
            msgs.append(msg.replace('\\"', '"'))
        elif line:
            msgs.append(line)
    return msgs[-1] if msgs else ""


def map_start_error(message: str) -> Exception:
    """Translate the runtime's failure to start the container's command into docker's errors:
    not found → CommandNotFound (127), not executable → CommandCannotInvoke (126)."""
    if 'exec: "' in message:
        tail = message[message.index('exec: "') :]
        if "executable file not found" in tail or "no such file or directory" in tail:
            name = tail.split('"', 2)[1]
            return CommandNotFound(f'exec: "{name}": executable file not found in $PATH')
        if "permission denied" in tail or "is a directory" in tail or "exec format" in tail:
            return CommandCannotInvoke(tail)
    low = message.lower()
    if "executable file not found" in low or (
        "no such file or directory" in low and ("exec" in low)
    ):
        return CommandNotFound(message)
    if "permission denied" in low and "exec" in low:
        return CommandCannotInvoke(message)
    return RuntimeFailure(message or "the OCI runtime failed")


class Launch:
    """A runtime process that creates (and maybe starts) a container, not yet waited for."""

    __slots__ = ("log", "pid")

    def __init__(self, pid: int, log: str) -> None:
        self.pid = pid
        self.log = log

    def wait(self) -> None:
        """Wait for the runtime; raise what kept it from starting the container (see
        ``map_start_error``)."""
        code = wait_status(self.pid)
        try:
            if code != 0:
                with open(self.log, "rb") as fh:
                    raise map_start_error(_error_text(fh.read()))
        finally:
            try:
                os.unlink(self.log)
            except FileNotFoundError:
                pass


class SubprocessRuntime:
    """An OCI runtime with runc's command line (runc and crun both have it)."""

    def __init__(self, path: str, root: str, name: str | None = None) -> None:
        self.path = path
        self.root = root
        self.name = name or os.path.basename(path)

    def __repr__(self) -> str:
        return f"SubprocessRuntime({self.path!r}, root={self.root!r})"

    def _argv(self, *args: str) -> list[str]:
        return [self.path, "--root", self.root, *args]

    def _call(self, *args: str, stdin: bytes | None = None) -> bytes:
        """Run a runtime verb; return its stdout; raise RuntimeFailure with its message."""
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        in_r, in_w = os.pipe() if stdin is not None else (os.open(os.devnull, os.O_RDONLY), -1)
        try:
            pid = spawn(self._argv(*args), (in_r, out_w, err_w))
        finally:
            for fd in (in_r, out_w, err_w):
                os.close(fd)
        if in_w >= 0:
            try:
                os.write(in_w, stdin or b"")
            finally:
                os.close(in_w)
        out = _read_all(out_r)
        err = _read_all(err_r)
        code = wait_status(pid)
        if code != 0:
            text = _error_text(err) or f"{self.name} {args[0]} exited with {code}"
            if "does not exist" in text or ("not exist" in text and "container" in text):
                raise ContainerNotFound(args[-1])
            raise RuntimeFailure(f"{self.name} {args[0]}: {text}")
        return out

    def _begin_process(
        self,
        verb: str,
        id: str,
        bundle: str,
        pid_file: str,
        stdio: tuple[int, int, int],
        console_socket: str | None,
        extra: Sequence[str] = (),
    ) -> Launch:
        log = os.path.join(self.root, f".{id}.{verb}.log")
        os.makedirs(self.root, exist_ok=True)
        args = [
            "--log",
            log,
            "--log-format",
            "json",
            verb,
            "--bundle",
            bundle,
            "--pid-file",
            pid_file,
            *extra,
        ]
        if console_socket:
            args += ["--console-socket", console_socket]
        return Launch(spawn([self.path, "--root", self.root, *args, id], stdio), log)

    def create(
        self,
        id: str,
        bundle: str,
        *,
        pid_file: str,
        stdio: tuple[int, int, int] = (0, 1, 2),
        console_socket: str | None = None,
    ) -> None:
        """Create the container (``runtime create``); its process waits for ``start``."""
        self._begin_process("create", id, bundle, pid_file, stdio, console_socket).wait()

    def begin_run_detached(
        self,
        id: str,
        bundle: str,
        *,
        pid_file: str,
        stdio: tuple[int, int, int] = (0, 1, 2),
        console_socket: str | None = None,
    ) -> Launch:
        """Create and start in one call (``runtime run --detach``, saving one exec); return at
        once: the caller works while the runtime sets the container up, then calls
        ``wait()``."""
        return self._begin_process("run", id, bundle, pid_file, stdio, console_socket, ["--detach"])

    def start(self, id: str) -> None:
        """Let a created container's process run."""
        self._call("start", id)

    def state(self, id: str) -> RuntimeState:
        """The runtime's view of the container; raises ContainerNotFound if it has none."""
        obj = jsonlite.loads(self._call("state", id))
        return RuntimeState(
            id=obj["id"],
            status=obj["status"],
            pid=int(obj.get("pid") or 0),
            bundle=obj.get("bundle", ""),
            created=obj.get("created", ""),
        )

    def kill(self, id: str, signal: int | str = "TERM", all: bool = False) -> None:
        """Send ``signal`` to the container's init process (or to all its processes)."""
        args = ["kill", *(["--all"] if all else []), id, str(signal)]
        self._call(*args)

    def delete(self, id: str, force: bool = False) -> None:
        """Remove the runtime's state (and, with ``force``, kill a running container)."""
        if self.name == "runc" and _delete_stopped_runc(os.path.join(self.root, id)):
            return
        self._call("delete", *(["--force"] if force else []), id)

    def delete_in_two(self, id: str) -> Callable[[], None]:
        """Delete a stopped container's state in two steps: what needs the runtime's root is
        done now, the rest by the function returned, which the caller may run later.

        For runc, the state is read now and its cgroups and state directory are removed
        later: ``run --rm`` is told the container is gone in between, and a caller that then
        deletes the whole store leaks nothing. Other runtimes delete everything now."""
        if self.name != "runc":
            self.delete(id, force=True)
            return _nothing
        state_dir = os.path.join(self.root, id)
        raw = _read_state(state_dir)

        def finish() -> None:
            if not _delete_stopped_runc(state_dir, raw):
                self._call("delete", "--force", id)

        return finish

    def exec(
        self,
        id: str,
        process: dict[str, Any],
        *,
        detach: bool = False,
        tty: bool = False,
        stdio: tuple[int, int, int] = (0, 1, 2),
        pid_file: str | None = None,
        console_socket: str | None = None,
    ) -> int:
        """Run ``process`` in the container with ``stdio``; return its exit status.

        A command that cannot be found or run raises CommandNotFound / CommandCannotInvoke.
        """
        proc = dict(process, terminal=tty)
        os.makedirs(self.root, exist_ok=True)
        pfile = os.path.join(self.root, f".{id}.{os.getpid()}.{id_suffix()}.process.json")
        log = pfile[: -len("process.json")] + "log"
        with open(pfile, "w", encoding="utf-8") as fh:
            fh.write(jsonlite.dumps(proc))
        args = [
            self.path,
            "--root",
            self.root,
            "--log",
            log,
            "--log-format",
            "json",
            "exec",
            "--process",
            pfile,
        ]
        if detach:
            args.append("--detach")
        if pid_file:
            args += ["--pid-file", pid_file]
        if console_socket:
            args += ["--console-socket", console_socket]
        try:
            code = wait_status(spawn([*args, id], stdio))
            if code != 0:
                try:
                    with open(log, "rb") as fh:
                        text = _error_text(fh.read())
                except FileNotFoundError:
                    text = ""
                if text:  # the runtime itself failed: the process never ran
                    raise map_start_error(text)
            return code
        finally:
            for p in (pfile, log):
                try:
                    os.unlink(p)
                except FileNotFoundError:
                    pass

    def pause(self, id: str) -> None:
        """Freeze every process of the container."""
        self._call("pause", id)

    def resume(self, id: str) -> None:
        """Thaw a paused container."""
        self._call("resume", id)

    def ps(self, id: str) -> list[int]:
        """The host pids of the container's processes."""
        return [int(p) for p in jsonlite.loads(self._call("ps", "--format", "json", id) or b"[]")]

    def update(self, id: str, resources: dict[str, Any]) -> None:
        """Change a running container's limits (runtime-spec ``linux.resources``)."""
        self._call("update", "--resources", "-", id, stdin=jsonlite.dumps(resources).encode())


def _read_state(state_dir: str) -> bytes | None:
    try:
        with open(os.path.join(state_dir, "state.json"), "rb") as fh:
            return fh.read()
    except (FileNotFoundError, NotADirectoryError):
        return None


def _delete_stopped_runc(state_dir: str, raw: bytes | None = None) -> bool:
    """Do what ``runc delete`` does for a container whose init has exited — remove its cgroups
    and its state directory — without exec'ing runc (~20 ms). Returns False, leaving the work
    to runc, whenever anything is unusual: a live init, hooks, a busy cgroup.

    ``raw``: the state.json read earlier (the state directory may be gone by now)."""
    raw = _read_state(state_dir) if raw is None else raw
    try:
        state = jsonlite.loads(raw) if raw is not None else None
    except ValueError:
        return False
    if not isinstance(state, dict):
        return False
    pid = int(state.get("init_process_pid") or 0)
    if pid > 0:
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            if fields[0] not in (b"Z", b"X") and int(fields[19]) == int(
                state.get("init_process_start") or 0
            ):
                return False  # still running: runc must kill it
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            pass
    hooks = (state.get("config") or {}).get("Hooks") or {}  # runc's name: one list per kind
    if any(hooks.values()):
        return False
    for path in sorted(set((state.get("cgroup_paths") or {}).values()), key=len, reverse=True):
        try:
            os.rmdir(path)
        except FileNotFoundError:
            continue
        except OSError:
            return False
    try:  # runc keeps only files there (state.json, and exec fifos that are gone by now)
        for name in os.listdir(state_dir):
            os.unlink(os.path.join(state_dir, name))
        os.rmdir(state_dir)
    except FileNotFoundError:
        pass
    except OSError:
        import shutil  # something unexpected in it: remove the whole tree

        shutil.rmtree(state_dir, ignore_errors=True)
    return not os.path.exists(state_dir)


def _nothing() -> None:
    pass


def id_suffix() -> str:
    """A short random suffix for temporary file names."""
    return os.urandom(4).hex()


def _read_all(fd: int) -> bytes:
    chunks = []
    try:
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)
