"""Multi-stage resolution: ARG scopes, stage references, ``--target`` pruning (pure).

:func:`plan` turns a parsed :class:`~pallet.build.dockerfile.Dockerfile` into a
:class:`BuildPlan`: the stages the target needs, in Dockerfile order, each with its base (an
image reference, ``"scratch"``, or the index of another stage) and its instructions, still
unexpanded. The executor walks a stage with a :class:`Scope` (``plan.scope(stage, image_env)``),
expanding each instruction with :meth:`Scope.expand` and moving on with :meth:`Scope.apply`;
the scope reports which build args each step used, for cache keys.

ARG before the first FROM is global: visible only to FROM lines, and inherited by an
``ARG NAME`` (no default) inside a stage. The platform args (``TARGETPLATFORM`` ...
``BUILDVARIANT``) the caller supplies are visible to FROM lines without a declaration and fill
declared ARGs of the same name like build args do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pallet.build import instructions as ins
from pallet.build.dockerfile import Dockerfile
from pallet.build.expand import Expanded, expand_instruction, expand_word
from pallet.errors import BuildError

__all__ = ["PLATFORM_ARGS", "PROXY_ARGS", "BuildPlan", "Scope", "Stage", "plan"]

PROXY_ARGS = frozenset(
    {"HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY"}
    | {"http_proxy", "https_proxy", "ftp_proxy", "no_proxy", "all_proxy"}
)
"""Build args usable by RUN without an ARG declaration (and kept out of the image history)."""

PLATFORM_ARGS = frozenset(
    {"TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT"}
    | {"BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT"}
)
"""Automatic platform args; the caller supplies their values."""

_EMPTY: Mapping[str, str] = MappingProxyType({})


def _empty() -> Mapping[str, str]:
    return _EMPTY


def _frozen(values: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True, slots=True)
class Scope:
    """The variables the builder's expansion sees at one point of a stage.

    ``env`` is the image's environment plus the stage's ENV so far; ``args`` the ARGs declared
    so far with their values. ENV wins over ARG of the same name. ``build_args`` (caller's plus
    platform args) and ``inherited`` (global ARG values) decide what a later ARG gets.
    """

    env: Mapping[str, str] = field(default_factory=_empty, hash=False)
    args: Mapping[str, str] = field(default_factory=_empty, hash=False)
    build_args: Mapping[str, str] = field(default_factory=_empty, hash=False)
    inherited: Mapping[str, str] = field(default_factory=_empty, hash=False)
    escape: str = "\\"
    filename: str = "Dockerfile"

    @property
    def variables(self) -> dict[str, str]:
        """What ``$NAME`` resolves to here."""
        return {**self.args, **self.env}

    def expand(self, inst: ins.Instruction) -> Expanded:
        """Expand ``inst`` here; ``used`` holds only the ARG names it used (not ENV)."""
        result = expand_instruction(
            inst, self.variables, escape=self.escape, filename=self.filename
        )
        used = frozenset(n for n in result.used if n in self.args and n not in self.env)
        return Expanded(result.instruction, used)

    def apply(self, inst: ins.Instruction) -> Scope:
        """The scope after an (already expanded) ENV or ARG; other instructions change nothing."""
        if isinstance(inst, ins.Env):
            env = dict(self.env)
            env.update((p.key, p.value) for p in inst.pairs)
            return dataclasses.replace(self, env=_frozen(env))
        if isinstance(inst, ins.Arg):
            args = dict(self.args)
            for decl in inst.args:
                value = self.build_args.get(decl.name, decl.default)
                if value is None:
                    value = self.inherited.get(decl.name)
                if value is not None:
                    args[decl.name] = value
                else:
                    args.pop(decl.name, None)
            return dataclasses.replace(self, args=_frozen(args))
        return self


@dataclass(frozen=True, slots=True)
class Stage:
    """One build stage: ``FROM base [AS name]`` and the instructions up to the next FROM.

    ``base`` is an image reference (``"scratch"`` for none) with global ARGs expanded, or the
    index of the stage it builds on. ``dependencies`` are the stage indices it needs (base,
    ``COPY --from``, ``RUN --mount=from=``); ``images`` the image references those flags name.
    """

    index: int
    name: str | None
    base: str | int
    platform: str | None
    from_instruction: ins.From
    instructions: tuple[ins.Instruction, ...]
    dependencies: tuple[int, ...] = ()
    images: tuple[str, ...] = ()
    from_args: frozenset[str] = frozenset()
    inherited: Mapping[str, str] = field(default_factory=_empty, hash=False)

    @property
    def is_scratch(self) -> bool:
        """Whether the stage starts from an empty filesystem."""
        return self.base == "scratch"


@dataclass(frozen=True, slots=True)
class BuildPlan:
    """The stages a build needs, in Dockerfile order, ending with (or including) the target."""

    stages: tuple[Stage, ...]
    target: int
    build_args: Mapping[str, str] = field(hash=False)
    global_args: Mapping[str, str] = field(hash=False)
    unused_build_args: tuple[str, ...]
    escape: str = "\\"
    filename: str = "Dockerfile"

    def stage(self, ref: str | int) -> Stage:
        """A planned stage by index or (case-insensitive) name."""
        for stage in self.stages:
            if stage.index == ref or (isinstance(ref, str) and stage.name == ref.lower()):
                return stage
        raise BuildError(f"stage {ref!r} is not part of this build")

    def scope(self, stage: Stage, env: Mapping[str, str] = _EMPTY) -> Scope:
        """The scope at the start of ``stage``, given its base image's environment."""
        return Scope(
            env=_frozen(env),
            build_args=self.build_args,
            inherited=stage.inherited,
            escape=self.escape,
            filename=self.filename,
        )


class _Planner:
    def __init__(self, dockerfile: Dockerfile, build_args: Mapping[str, str]) -> None:
        self.file = dockerfile
        self.build_args = build_args
        self.names: dict[str, int] = {}

    def error(self, line: int, message: str) -> BuildError:
        return BuildError(f"{self.file.filename}:{line}: {message}")

    def reference(self, value: str, index: int, line: int) -> int | None:
        """The stage a ``--from`` value names, or ``None`` for an image reference."""
        if value.lower() in self.names:
            found = self.names[value.lower()]
            if found == index:
                raise self.error(line, f"circular dependency detected on stage: {value}")
            return found
        if value.isdigit():
            if int(value) >= index:
                raise self.error(
                    line,
                    f"invalid from flag value {value}: refers to current or future build stage",
                )
            return int(value)
        return None

    def stage(self, index: int, head: ins.From, body: list[ins.Instruction], top: Scope) -> Stage:
        expanded = top.expand(head)
        base_inst = expanded.instruction
        assert isinstance(base_inst, ins.From)
        if not base_inst.image:
            raise self.error(head.line, f"base name ({head.image}) should not be blank")
        found = self.reference(base_inst.image, index, head.line)
        base: str | int = base_inst.image if found is None else found
        deps: list[int] = [base] if isinstance(base, int) else []
        images: list[str] = []
        scope = dataclasses.replace(top, env=_EMPTY, args=_EMPTY)
        for inst in body:
            refs: list[str] = []
            if isinstance(inst, ins.Arg | ins.Env):
                scope = scope.apply(scope.expand(inst).instruction)
            elif isinstance(inst, ins.Copy) and inst.from_stage is not None:
                refs.append(inst.from_stage)
            elif isinstance(inst, ins.Run):
                refs.extend(m.from_stage for m in inst.mounts if m.from_stage is not None)
            for ref in refs:
                try:
                    value = expand_word(ref, scope.variables, escape=top.escape).value
                except BuildError as err:
                    raise self.error(inst.line, str(err)) from None
                found = self.reference(value, index, inst.line)
                if found is None:
                    images.append(value)
                elif found not in deps:
                    deps.append(found)
        return Stage(
            index=index,
            name=head.name,
            base=base,
            platform=base_inst.platform,
            from_instruction=head,
            instructions=tuple(body),
            dependencies=tuple(deps),
            images=tuple(dict.fromkeys(images)),
            from_args=expanded.used,
            inherited=top.inherited,
        )

    def needed(self, stages: list[Stage], target: int) -> list[int]:
        state: dict[int, str] = {}

        def visit(index: int) -> None:
            if state.get(index) == "done":
                return
            if state.get(index) == "active":
                stage = stages[index]
                raise self.error(
                    stage.from_instruction.line,
                    f"circular dependency detected on stage: {stage.name or index}",
                )
            state[index] = "active"
            for dep in stages[index].dependencies:
                visit(dep)
            state[index] = "done"

        visit(target)
        return sorted(state)


def plan(
    dockerfile: Dockerfile,
    *,
    build_args: Mapping[str, str] = _EMPTY,
    target: str | None = None,
    platform_args: Mapping[str, str] = _EMPTY,
) -> BuildPlan:
    """Resolve ``dockerfile``'s stages for a build of ``target`` (default: the last stage).

    ``build_args`` are the caller's ``--build-arg`` values; ``platform_args`` the values of
    :data:`PLATFORM_ARGS` for this build. Raises :class:`BuildError` for an unknown target,
    duplicate stage names, bad stage references and dependency cycles.
    """
    effective = _frozen({**platform_args, **build_args})
    top = Scope(
        args=_frozen(platform_args),
        build_args=effective,
        escape=dockerfile.escape,
        filename=dockerfile.filename,
    )
    insts = dockerfile.instructions
    first = next(i for i, inst in enumerate(insts) if isinstance(inst, ins.From))
    declared: set[str] = set()
    for inst in insts[:first]:
        assert isinstance(inst, ins.Arg)
        declared.update(d.name for d in inst.args)
        top = top.apply(top.expand(inst).instruction)
    global_args = _frozen({k: v for k, v in top.args.items() if k in declared})
    top = dataclasses.replace(top, inherited=global_args)

    planner = _Planner(dockerfile, effective)
    heads: list[tuple[ins.From, list[ins.Instruction]]] = []
    for inst in insts[first:]:
        if isinstance(inst, ins.From):
            if inst.name is not None and inst.name in planner.names:
                raise planner.error(inst.line, f"duplicate stage name {inst.name!r}")
            if inst.name is not None:
                planner.names[inst.name] = len(heads)
            heads.append((inst, []))
        else:
            heads[-1][1].append(inst)
    stages = [planner.stage(i, head, body, top) for i, (head, body) in enumerate(heads)]

    if target is None:
        chosen = len(stages) - 1
    elif target.lower() in planner.names:
        chosen = planner.names[target.lower()]
    else:
        raise BuildError(f"target stage {target!r} could not be found")
    needed = [stages[i] for i in planner.needed(stages, chosen)]

    for stage in needed:
        for inst in stage.instructions:
            if isinstance(inst, ins.Arg):
                declared.update(d.name for d in inst.args)
    unused = sorted(set(build_args) - declared - PROXY_ARGS - PLATFORM_ARGS)
    return BuildPlan(
        stages=tuple(needed),
        target=chosen,
        build_args=effective,
        global_args=global_args,
        unused_build_args=tuple(unused),
        escape=dockerfile.escape,
        filename=dockerfile.filename,
    )
