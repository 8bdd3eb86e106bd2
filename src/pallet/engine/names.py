"""Docker-style names for containers that were not given one: ``adjective_scientist``."""

from __future__ import annotations

import os

__all__ = ["pick_name"]

_ADJECTIVES = (
    "admiring",
    "brave",
    "clever",
    "dazzling",
    "eager",
    "focused",
    "gallant",
    "happy",
    "jolly",
    "keen",
    "lucid",
    "modest",
    "nifty",
    "optimistic",
    "pensive",
    "quirky",
    "relaxed",
    "serene",
    "tender",
    "upbeat",
    "vibrant",
    "wizardly",
    "xenial",
    "youthful",
    "zealous",
)
_NOUNS = (
    "albattani",
    "bohr",
    "curie",
    "darwin",
    "euclid",
    "fermi",
    "galileo",
    "hopper",
    "hypatia",
    "joliot",
    "kepler",
    "lovelace",
    "mayer",
    "newton",
    "noether",
    "pascal",
    "ramanujan",
    "shannon",
    "tesla",
    "turing",
    "volta",
    "wozniak",
    "yalow",
    "zhukovsky",
)


def pick_name(taken: set[str]) -> str:
    """A random name not in ``taken``."""
    while True:
        a, b = os.urandom(2)
        name = f"{_ADJECTIVES[a % len(_ADJECTIVES)]}_{_NOUNS[b % len(_NOUNS)]}"
        if name not in taken:
            return name
