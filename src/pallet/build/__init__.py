"""The pure front half of Dockerfile builds: parse, expand, ignore files, stage plans.

Nothing here does I/O: callers hand in Dockerfile text, ignore-file text and relative paths.
"""

from __future__ import annotations

from pallet.build.dockerfile import Directives, Dockerfile, parse
from pallet.build.expand import Expanded, Expansion, expand_instruction, expand_word, expand_words
from pallet.build.ignore import IgnoreMatcher, IgnorePattern
from pallet.build.stages import PLATFORM_ARGS, PROXY_ARGS, BuildPlan, Scope, Stage, plan

__all__ = [
    "PLATFORM_ARGS",
    "PROXY_ARGS",
    "BuildPlan",
    "Directives",
    "Dockerfile",
    "Expanded",
    "Expansion",
    "IgnoreMatcher",
    "IgnorePattern",
    "Scope",
    "Stage",
    "expand_instruction",
    "expand_word",
    "expand_words",
    "parse",
    "plan",
]
