"""docker's list filters (``status``, ``label``, ``name``, ``ancestor`` ...) over attrs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["container_matches", "image_matches", "label_matches", "listed"]


def listed(value: Any) -> list[str]:
    """A filter's value as a list of strings (docker-py allows a scalar or a list)."""
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    if isinstance(value, bool):
        return [str(value).lower()]
    return [str(value)]


def label_matches(labels: Mapping[str, str], wanted: Any) -> bool:
    """Every ``key`` or ``key=value`` in ``wanted`` holds for ``labels``."""
    for item in listed(wanted):
        key, eq, value = item.partition("=")
        if key not in labels or (eq and labels[key] != value):
            return False
    return True


def container_matches(attrs: Mapping[str, Any], filters: Mapping[str, Any]) -> bool:
    """Whether a container (in inspect shape) passes docker ps's ``filters``."""
    for key, value in filters.items():
        wanted = listed(value)
        if key == "status" and attrs["State"]["Status"] not in wanted:
            return False
        if key == "exited" and (
            attrs["State"]["Status"] != "exited" or str(attrs["State"]["ExitCode"]) not in wanted
        ):
            return False
        if key == "label" and not label_matches(attrs["Config"].get("Labels") or {}, value):
            return False
        if key == "id" and not any(attrs["Id"].startswith(w) for w in wanted):
            return False
        if key == "name" and not any(w.lstrip("/") in attrs["Name"].lstrip("/") for w in wanted):
            return False
        if key == "ancestor":
            image = attrs["Config"].get("Image") or ""
            names = {image, image.rpartition(":")[0] if ":" in image else image}
            if not any(w in names or attrs["Image"].endswith(w) for w in wanted):
                return False
    return True


def image_matches(attrs: Mapping[str, Any], name: str | None, filters: Mapping[str, Any]) -> bool:
    """Whether an image (in inspect shape) passes ``docker images NAME --filter ...``."""
    tags = attrs.get("RepoTags") or []
    if name:
        repo, _, tag = name.partition(":") if "/" not in name.rpartition(":")[2] else (name, "", "")
        if not any(
            t.rpartition(":")[0] == repo and (not tag or t.endswith(":" + tag)) for t in tags
        ):
            return False
    for key, value in filters.items():
        if key == "dangling":
            dangling = listed(value)[0] in ("true", "1")
            if dangling != (not tags):
                return False
        elif key == "label":
            if not label_matches(attrs["Config"].get("Labels") or {}, value):
                return False
        elif key == "reference":
            refs = listed(value)
            if not any(t == w or t.rpartition(":")[0] == w for w in refs for t in tags):
                return False
    return True
