"""Images, shaped like ``docker.models.images``: ``Image`` and ``ImageCollection``.

``attrs`` is Docker's image inspect shape (``Id`` is ``sha256:…``; ``RepoTags`` are shown as
Docker shows them, see :mod:`pallet.local.models.shapes`).
"""

from __future__ import annotations

import builtins
import io
from collections.abc import Iterator
from typing import IO, Any

from pallet.errors import InvalidArgument
from pallet.local.models.container_io import DEFAULT_DATA_CHUNK_SIZE, chunks, spooled
from pallet.local.models.resource import Collection, Model

__all__ = ["Image", "ImageCollection", "parse_repository_tag"]


def parse_repository_tag(repo_name: str) -> tuple[str, str | None]:
    """docker-py's split of ``repo[:tag]`` / ``repo@digest`` into (repo, tag-or-digest)."""
    parts = repo_name.rsplit("@", 1)
    if len(parts) == 2:
        return parts[0], parts[1]
    parts = repo_name.rsplit(":", 1)
    if len(parts) == 2 and "/" not in parts[1]:
        return parts[0], parts[1]
    return repo_name, None


class Image(Model):
    """An image in the store."""

    def __repr__(self) -> str:
        tag_str = "', '".join(self.tags)
        return f"<{self.__class__.__name__}: '{tag_str}'>"

    @property
    def labels(self) -> dict[str, str]:
        """The labels of an image as dictionary."""
        return self.attrs["Config"].get("Labels") or {}

    @property
    def short_id(self) -> str:
        """The ID truncated to 12 characters, plus the ``sha256:`` prefix."""
        ident = str(self.id)
        return ident[:19] if ident.startswith("sha256:") else ident[:12]

    @property
    def tags(self) -> builtins.list[str]:
        """The image's tags."""
        tags = self.attrs.get("RepoTags") or []
        return [tag for tag in tags if tag != "<none>:<none>"]

    def history(self) -> builtins.list[dict[str, Any]]:
        """The image's history, newest first (Docker's API shape)."""
        from pallet.local.models.shapes import image_history

        return image_history(self._client.engine, self.id)

    def remove(self, force: bool = False, noprune: bool = False) -> builtins.list[dict[str, str]]:
        """Remove this image: ``[{"Untagged": name}, ..., {"Deleted": id}]``."""
        return self._client.images._remove(self.id, force=force)

    def save(
        self, chunk_size: int | None = DEFAULT_DATA_CHUNK_SIZE, named: str | bool = False
    ) -> Iterator[bytes]:
        """A docker-archive tarball of the image, in chunks; ``named`` keeps a tag in it."""
        from pallet.engine.save import save_images

        img = str(self.id)
        if named:
            img = self.tags[0] if self.tags else img
            if isinstance(named, str):
                if named not in self.tags:
                    raise InvalidArgument(f"{named} is not a valid tag for this image")
                img = named
        engine = self._client.engine
        fh = spooled(lambda out: save_images(engine, [img], out))
        return chunks(fh, chunk_size)

    def tag(self, repository: str, tag: str | None = None, *, force: bool = False) -> bool:
        """Tag this image into a repository (``tag`` defaults to ``latest``)."""
        from pallet.engine.images import tag_image

        tag_image(self._client.engine, self.id, [f"{repository}:{tag or 'latest'}"])
        return True


class ImageCollection(Collection[Image]):
    """The store's images."""

    model = Image

    def build(self, **kwargs: Any) -> tuple[Image, Iterator[dict[str, Any]]]:
        """Build an image from ``path`` or ``fileobj``; ``(Image, build log)``."""
        from pallet.local.models.image_build import build

        return build(self, kwargs)

    def get(self, name: str) -> Image:
        """An image by name or id (ImageNotFound: ``No such image: name``)."""
        from pallet.local.models.shapes import image_attrs

        return self.prepare_model(image_attrs(self._client.engine, name))

    def get_registry_data(self, name: str, auth_config: dict[str, str] | None = None) -> Any:
        """Not available in-process yet (``pallet inspect docker://…`` does this)."""
        raise InvalidArgument("get_registry_data is not supported by the in-process client")

    def list(
        self, name: str | None = None, all: bool = False, filters: dict[str, Any] | None = None
    ) -> builtins.list[Image]:
        """Images, newest first; ``name`` keeps those of one repository."""
        from pallet.engine.images import list_images
        from pallet.local.models.filters import image_matches

        seen: dict[str, None] = {}
        for row in list_images(self._client.engine, all_=all):
            seen.setdefault(row.record.id, None)
        images = [self.get(i) for i in seen]
        return [img for img in images if image_matches(img.attrs, name, filters or {})]

    def load(self, data: bytes | IO[bytes]) -> builtins.list[Image]:
        """Load images saved with :meth:`Image.save` (or ``docker save``)."""
        from pallet.engine.load import load_archive

        src = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
        loaded = load_archive(self._client.engine, src)  # type: ignore[arg-type]
        return [self.get(item.record.id) for item in loaded]

    def pull(
        self, repository: str, tag: str | None = None, all_tags: bool = False, **kwargs: Any
    ) -> Any:
        """Pull an image (``tag`` defaults to ``latest``); all tags as a list with ``all_tags``."""
        from pallet.local.models.image_build import pull

        return pull(self, repository, tag, all_tags, kwargs)

    def push(self, repository: str, tag: str | None = None, **kwargs: Any) -> Any:
        """Push an image; returns the status lines (JSON text, or dicts with ``decode``)."""
        from pallet.local.models.image_build import push

        return push(self, repository, tag, kwargs)

    def remove(self, *args: Any, **kwargs: Any) -> None:
        """Remove an image: ``remove(image, force=False, noprune=False)``."""
        self._remove(*args, **kwargs)

    def _remove(
        self, image: str, force: bool = False, noprune: bool = False
    ) -> builtins.list[dict[str, str]]:
        from pallet.engine.images import remove_images
        from pallet.local.models.shapes import familiar

        report = remove_images(self._client.engine, [image], force=force)
        return [{"Untagged": familiar(n)} for n in report.untagged] + [
            {"Deleted": "sha256:" + d} for d in report.deleted
        ]

    def search(self, *args: Any, **kwargs: Any) -> Any:
        """Not available in-process."""
        raise InvalidArgument("search is not supported by the in-process client")

    def prune(self, filters: dict[str, Any] | None = None) -> dict[str, Any]:
        """Remove dangling images (every unused one with ``{"dangling": False}``)."""
        from pallet.engine.images import prune_images

        dangling = (filters or {}).get("dangling", True)
        all_ = str(dangling).lower() in ("false", "0")
        deleted = prune_images(self._client.engine, all_=all_)
        return {
            "ImagesDeleted": [{"Deleted": "sha256:" + d} for d in deleted] or None,
            "SpaceReclaimed": 0,
        }

    def prune_builds(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Forget the build cache index."""
        from pallet.engine.build import cache_path

        path = cache_path(self._client.engine)
        path.unlink(missing_ok=True)
        return {"CachesDeleted": None, "SpaceReclaimed": 0}
