"""Running a Dockerfile build: stages in order, each step a cache lookup or a commit.

Every step commits an intermediate image, as ``podman build --layers`` does, and its cache key
(:func:`pallet.build.cache.cache_key`) maps to that image in the cache index. A fully cached
rebuild therefore only expands instructions, hashes the files COPY reads and looks keys up: it
mounts nothing and runs nothing. Everything that touches the store, mounts or the runtime is
behind :class:`~pallet.build.runner.StepRunner`.

Progress lines go to ``log`` in podman's words (``STEP 2/5: RUN ...``, ``--> Using cache``,
``COMMIT``, ``--> 1a2b3c4d5e6``); RUN output goes wherever the runner sends it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from pallet.build import instructions as ins
from pallet.build.cache import CacheIndex, cache_key
from pallet.build.context import BuildContext
from pallet.build.dispatch import apply_metadata, created_by, shell_of, workdir_of
from pallet.build.dockerfile import Dockerfile, parse
from pallet.build.runner import ImageState, LayerRef, RunMount, RunRequest, StepFailed, StepRunner
from pallet.build.sources import plan_copy
from pallet.build.stages import Scope, Stage, plan
from pallet.errors import BuildError
from pallet.oci.config import History, ImageConfig
from pallet.oci.descriptor import Descriptor

__all__ = ["BuildOptions", "BuildResult", "execute"]

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """``pallet build``'s options, as data."""

    tags: tuple[str, ...] = ()
    build_args: Mapping[str, str] = field(default_factory=dict, hash=False)
    target: str | None = None
    no_cache: bool = False
    layers: bool = True
    pull: str = "missing"
    platform: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    secrets: Mapping[str, str] = field(default_factory=dict, hash=False)
    timestamp: int | None = None
    network: str = "host"
    cache_dir: str = ""
    scratch_dir: str = ""
    os: str = "linux"
    architecture: str = "amd64"
    variant: str = ""


@dataclass(frozen=True, slots=True)
class BuildResult:
    """The image built, its names, and how many steps ran or came from the cache."""

    image_id: str
    names: tuple[str, ...]
    steps_run: int
    steps_cached: int


@dataclass(slots=True)
class _Cursor:
    """Where a stage is: the current image id, loaded lazily."""

    id: str
    state: ImageState | None = None


def _timestamp(epoch: int | None) -> str:
    if epoch is None:
        return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return _dt.datetime.fromtimestamp(epoch, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def execute(
    dockerfile: Dockerfile,
    context: BuildContext | None,
    runner: StepRunner,
    cache: CacheIndex,
    options: BuildOptions,
    log: Callable[[str], None],
) -> BuildResult:
    """Build ``dockerfile``'s target; return the image id. Raises BuildError (StepFailed for a
    failing RUN) with the step named as podman does."""
    return _Build(dockerfile, context, runner, cache, options, log).run()


class _Build:
    def __init__(
        self,
        dockerfile: Dockerfile,
        context: BuildContext | None,
        runner: StepRunner,
        cache: CacheIndex,
        options: BuildOptions,
        log: Callable[[str], None],
    ) -> None:
        self.file = dockerfile
        self.context = context
        self.runner = runner
        self.cache = cache
        self.opts = options
        self.log = log
        plat = "/".join(p for p in (options.os, options.architecture, options.variant) if p)
        self.platform = plat
        pargs = {"TARGETPLATFORM": plat, "TARGETOS": options.os,
                 "TARGETARCH": options.architecture, "TARGETVARIANT": options.variant,
                 "BUILDPLATFORM": plat, "BUILDOS": options.os,
                 "BUILDARCH": options.architecture, "BUILDVARIANT": options.variant}  # fmt: skip
        self.plan = plan(dockerfile, build_args=options.build_args, target=options.target,
                         platform_args=pargs)  # fmt: skip
        self.done: dict[int, str] = {}
        self._ids: frozenset[str] | None = None
        self.ran = 0
        self.cached = 0
        self.created = _timestamp(options.timestamp)

    # -- helpers ----------------------------------------------------------------------------

    def image_ids(self) -> frozenset[str]:
        if self._ids is None:
            self._ids = self.runner.image_ids()
        return self._ids

    def load(self, cur: _Cursor) -> ImageState:
        if cur.state is None:
            cur.state = self.runner.load_image(cur.id)
        return cur.state

    def image_for(self, ref: str) -> ImageState:
        """A stage (by name or index) built earlier, or an image."""
        try:
            stage = self.plan.stage(int(ref) if ref.isdigit() else ref)
        except BuildError:
            return self.runner.base_image(ref, platform=None, pull=self.opts.pull)
        if stage.index not in self.done:
            raise BuildError(f"stage {ref!r} has not been built")
        return self.runner.load_image(self.done[stage.index])

    def use_cache(self) -> bool:
        return self.opts.layers and not self.opts.no_cache

    # -- the build --------------------------------------------------------------------------

    def run(self) -> BuildResult:
        stages = self.plan.stages
        final = ""
        for pos, stage in enumerate(stages, 1):
            prefix = f"[{pos}/{len(stages)}] " if len(stages) > 1 else ""
            final = self.stage(stage, prefix, last=pos == len(stages))
            self.done[stage.index] = final
        names = self.opts.tags
        self.log(f"COMMIT {names[0] if names else ''}".rstrip())
        if names:
            self.runner.tag(final, names)
        hexid = final.partition(":")[2]
        self.log(f"--> {hexid[:11]}")
        for name in names:
            self.log(f"Successfully tagged {name}")
        self.cache.save()
        return BuildResult(final, names, self.ran, self.cached)

    def stage(self, stage: Stage, prefix: str, *, last: bool) -> str:
        insts = list(stage.instructions)
        total = len(insts) + 1
        head = stage.from_instruction.original
        if "$" in head and not isinstance(stage.base, int):
            head = f"FROM {stage.base}" + (f" AS {stage.name}" if stage.name else "")
        self.log(f"{prefix}STEP 1/{total}: {head}")
        if isinstance(stage.base, int):
            base = self.runner.load_image(self.done[stage.base])
        elif stage.is_scratch:
            base = ImageState("", ImageConfig(self.opts.architecture, self.opts.os,
                                              variant=self.opts.variant))  # fmt: skip
        else:
            base = self.runner.base_image(stage.base, platform=stage.platform, pull=self.opts.pull)
        triggers = self.triggers(base)
        if triggers:
            insts = triggers + insts
            cfg = replace(base.config.config, on_build=())
            base = replace(base, config=replace(base.config, config=cfg))
        cur = _Cursor(base.id or "scratch", base)
        scope = self.plan.scope(stage, base.config.config.env_map())
        for number, inst in enumerate(insts, 2):
            self.log(f"{prefix}STEP {number}/{total}: {inst.original}")
            scope = self.step(inst, cur, scope)
            if not (last and number == len(insts) + 1 and not self.opts.labels):
                self.log(f"--> {cur.id.partition(':')[2][:11]}")
        if last and self.opts.labels:
            state = self.load(cur)
            labels = dict(state.config.config.labels)
            labels.update(self.opts.labels)
            cfg = replace(state.config.config, labels=tuple(sorted(labels.items())))
            cur.id = self.commit(replace(state.config, config=cfg), state.layers)
            cur.state = None
        if cur.id == "scratch":
            cur.id = self.commit(base.config, ())
        return cur.id

    def triggers(self, base: ImageState) -> list[ins.Instruction]:
        if not base.config.config.on_build:
            return []
        text = "FROM scratch\n" + "\n".join(base.config.config.on_build) + "\n"
        parsed = parse(text, filename=f"ONBUILD of {base.id[7:19]}").instructions[1:]
        for inst in parsed:
            if isinstance(inst, ins.From | ins.Onbuild | ins.Maintainer):
                raise BuildError(f"{inst.keyword} isn't allowed as an ONBUILD trigger")
        return list(parsed)

    def step(self, inst: ins.Instruction, cur: _Cursor, scope: Scope) -> Scope:
        expanded = scope.expand(inst)
        step = expanded.instruction
        if isinstance(step, ins.Run):
            args = {k: v for k, v in scope.args.items() if k not in scope.env}
        else:
            args = {k: scope.args[k] for k in expanded.used if k in scope.args}
        try:
            self.execute(step, cur, scope, args)
        except StepFailed:
            raise
        except BuildError as err:
            text = str(err)
            if not text.startswith(f"{self.file.filename}:"):
                text = f'building at STEP "{inst.original}": {text}'
            raise BuildError(text) from None
        return scope.apply(step)

    def execute(
        self, step: ins.Instruction, cur: _Cursor, scope: Scope, args: Mapping[str, str]
    ) -> None:
        content = ""
        extra: tuple[str, ...] = (self.platform,)
        copy = None
        if isinstance(step, ins.Copy | ins.Add):
            from_ref = step.from_stage if isinstance(step, ins.Copy) else None
            if from_ref:
                src_state = self.image_for(from_ref)
                runner = self.runner
                copy = plan_copy(step, self.context, scratch=self.opts.scratch_dir,
                                 from_id=src_state.id,
                                 from_root=lambda: runner.rootfs(src_state))  # fmt: skip
            else:
                copy = plan_copy(step, self.context, scratch=self.opts.scratch_dir)
            content = copy.digest
        elif isinstance(step, ins.Run):
            extra += tuple(self.image_for(m.from_stage).id for m in step.mounts if m.from_stage)
        key = cache_key(cur.id, step, args=args, content=content, extra=extra)
        if self.use_cache():
            hit = self.cache.get(key)
            if hit is not None and hit in self.image_ids():
                self.log(f"--> Using cache {hit.partition(':')[2]}")
                cur.id, cur.state = hit, None
                self.cached += 1
                return
        state = self.load(cur)
        cfg = state.config
        layer: LayerRef | None = None
        detail = ""
        if copy is not None:
            workdir = workdir_of(cfg.config)
            layer = self.runner.write_layer(state, lambda root: copy.fill(root, workdir))
            detail = f"{step.original.split(' ', 1)[1]}"
        elif isinstance(step, ins.Run):
            with ExitStack() as stack:
                request = self.run_request(step, state, scope, stack)
                try:
                    layer = self.runner.run(state, request)
                except StepFailed as err:
                    raise StepFailed(
                        f'building at STEP "{step.original}": while running runtime: '
                        f"exit status {err.code}",
                        err.code,
                    ) from None
            self.ran += 1
        else:
            cfg = apply_metadata(cfg, step)
        history = History(created=self.created,
                          created_by=created_by(step, state.config.config, args, detail),
                          empty_layer=layer is None)  # fmt: skip
        cfg = replace(cfg, history=(*cfg.history, history))
        layers = state.layers
        if layer is not None:
            cfg = replace(cfg, diff_ids=(*cfg.diff_ids, layer.diff_id))
            layers = (*layers, layer.descriptor)
        new_id = self.commit(cfg, layers)
        if self.opts.layers:
            self.cache.put(key, new_id)
        cur.id = new_id
        cur.state = ImageState(new_id, replace(cfg, created=self.created), layers)

    def commit(self, cfg: ImageConfig, layers: tuple[Descriptor, ...]) -> str:
        cfg = replace(cfg, created=self.created)
        image_id = self.runner.commit(cfg.to_bytes(), layers, ())
        if self._ids is not None:
            self._ids = self._ids | {image_id}
        return image_id

    # -- RUN --------------------------------------------------------------------------------

    def run_request(
        self, step: ins.Run, state: ImageState, scope: Scope, stack: ExitStack
    ) -> RunRequest:
        cfg = state.config.config
        if step.command.shell:
            script = step.command.argv[0] if step.command.argv else ""
            if step.heredocs:
                markers = script.split()
                if len(step.heredocs) == 1 and len(markers) == 1 and markers[0].startswith("<<"):
                    script = step.heredocs[0].content
                else:
                    bodies = "".join(f"{d.content}{d.name}\n" for d in step.heredocs)
                    script = f"{script}\n{bodies}"
            argv = (*shell_of(cfg), script)
        else:
            argv = step.command.argv
        env = list(cfg.env)
        present = {e.partition("=")[0] for e in env}
        env += [f"{k}={v}" for k, v in sorted(scope.args.items()) if k not in present]
        mounts: list[RunMount] = []
        for m in step.mounts:
            mount = self.run_mount(m, stack, env)
            if mount is not None:
                mounts.append(mount)
        network = step.network or self.opts.network
        if network == "default":
            network = self.opts.network
        return RunRequest(argv=tuple(argv), env=tuple(env), cwd=workdir_of(cfg), user=cfg.user,
                          mounts=tuple(mounts), network=network)  # fmt: skip

    def run_mount(self, m: ins.Mount, stack: ExitStack, env: list[str]) -> RunMount | None:
        if m.type == "cache":
            target = m.target or ""
            ident = m.id or target
            path = os.path.join(self.opts.cache_dir,
                                hashlib.sha256(ident.encode()).hexdigest()[:32])  # fmt: skip
            if not os.path.isdir(path):
                os.makedirs(path, exist_ok=True)
                os.chmod(path, m.mode if m.mode is not None else 0o755)
                os.chown(path, m.uid or 0, m.gid or 0)
            return RunMount("bind", target, path, readonly=bool(m.readonly))
        if m.type == "tmpfs":
            return RunMount("tmpfs", m.target or "")
        if m.type == "bind":
            source = m.source or "."
            if m.from_stage:
                from pallet.build.copier import resolve_in_root

                root = stack.enter_context(self.runner.rootfs(self.image_for(m.from_stage)))
                path = resolve_in_root(root, source)
            else:
                if self.context is None:
                    raise BuildError("RUN --mount=type=bind needs a build context")
                path = self.context.resolve(source, "RUN --mount")[0].path
            readonly = True if m.readonly is None else m.readonly
            return RunMount("bind", m.target or "", path, readonly=readonly)
        if m.type == "secret":
            ident = m.id or os.path.basename(m.target or "")
            secret = self.opts.secrets.get(ident)
            if secret is None:
                if m.required:
                    raise BuildError(f"secret {ident!r} is required but was not provided")
                return None
            path = secret
            if m.env:
                with open(path, encoding="utf-8", errors="replace") as fh:
                    env.append(f"{m.env}={fh.read()}")
                if not m.target:
                    return None
            return RunMount("bind", m.target or f"/run/secrets/{ident}", path, readonly=True)
        raise BuildError(f"RUN --mount=type={m.type} is not supported")
