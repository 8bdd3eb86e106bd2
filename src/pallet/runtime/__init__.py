"""Running containers: the OCI runtime spec, the runtime driver, root filesystems, and the
per-container monitor.

Names are loaded on first use so that importing ``pallet.runtime`` stays cheap on the
``pallet run`` hot path.
"""

from __future__ import annotations

from pallet._lazy import lazy_exports

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing


if TYPE_CHECKING:
    from pallet.runtime.attach import AttachClient, connect
    from pallet.runtime.driver import OCIRuntime, RuntimeState, SubprocessRuntime
    from pallet.runtime.logs import LogRecord
    from pallet.runtime.logs import read as read_logs
    from pallet.runtime.monitor import (
        ExitStatus,
        MonitorOptions,
        RestartPolicy,
        monitor_alive,
        parse_restart,
        read_exit,
        request_stop,
    )
    from pallet.runtime.monitor import spawn as spawn_monitor
    from pallet.runtime.probe import select_runtime
    from pallet.runtime.rootfs import is_mounted, mount_overlay, unmount
    from pallet.runtime.seccomp import default_seccomp
    from pallet.runtime.spec import (
        Device,
        Mount,
        SpecOptions,
        Ulimit,
        build_spec,
        effective_capabilities,
    )
    from pallet.runtime.user import ResolvedUser, resolve_user

__all__ = [
    "AttachClient",
    "Device",
    "ExitStatus",
    "LogRecord",
    "MonitorOptions",
    "Mount",
    "OCIRuntime",
    "ResolvedUser",
    "RestartPolicy",
    "RuntimeState",
    "SpecOptions",
    "SubprocessRuntime",
    "Ulimit",
    "build_spec",
    "connect",
    "default_seccomp",
    "effective_capabilities",
    "is_mounted",
    "monitor_alive",
    "mount_overlay",
    "parse_restart",
    "read_exit",
    "read_logs",
    "request_stop",
    "resolve_user",
    "select_runtime",
    "spawn_monitor",
    "unmount",
]

_WHERE = {
    "AttachClient": ("attach", "AttachClient"),
    "connect": ("attach", "connect"),
    "OCIRuntime": ("driver", "OCIRuntime"),
    "RuntimeState": ("driver", "RuntimeState"),
    "SubprocessRuntime": ("driver", "SubprocessRuntime"),
    "LogRecord": ("logs", "LogRecord"),
    "read_logs": ("logs", "read"),
    "ExitStatus": ("monitor", "ExitStatus"),
    "MonitorOptions": ("monitor", "MonitorOptions"),
    "RestartPolicy": ("monitor", "RestartPolicy"),
    "monitor_alive": ("monitor", "monitor_alive"),
    "parse_restart": ("monitor", "parse_restart"),
    "read_exit": ("monitor", "read_exit"),
    "request_stop": ("monitor", "request_stop"),
    "spawn_monitor": ("monitor", "spawn"),
    "select_runtime": ("probe", "select_runtime"),
    "is_mounted": ("rootfs", "is_mounted"),
    "mount_overlay": ("rootfs", "mount_overlay"),
    "unmount": ("rootfs", "unmount"),
    "default_seccomp": ("seccomp", "default_seccomp"),
    "Device": ("spec", "Device"),
    "Mount": ("spec", "Mount"),
    "SpecOptions": ("spec", "SpecOptions"),
    "Ulimit": ("spec", "Ulimit"),
    "build_spec": ("spec", "build_spec"),
    "effective_capabilities": ("spec", "effective_capabilities"),
    "ResolvedUser": ("user", "ResolvedUser"),
    "resolve_user": ("user", "resolve_user"),
}


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
