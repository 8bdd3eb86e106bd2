"""``Model`` and ``Collection``: the bases of docker-py's high-level objects, same shapes.

A model is a cached ``attrs`` dict (Docker's inspect shape) plus the client and collection it
came from; ``reload()`` asks the collection again. Equality and hashing are by class and id,
and ``repr`` is ``<Container: 1a2b3c4d5e6f>``, exactly as in ``docker.models.resource``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

if TYPE_CHECKING:
    from pallet.local.client import DockerClient

__all__ = ["Collection", "Model"]


class Model:
    """A base class for representing a single object (container, image, volume, network)."""

    id_attribute: ClassVar[str] = "Id"

    def __init__(
        self,
        attrs: dict[str, Any] | None = None,
        client: DockerClient | None = None,
        collection: Collection[Any] | None = None,
    ) -> None:
        #: The client this object belongs to.
        self.client = client
        #: The collection this object is part of.
        self.collection = collection
        #: The raw representation of this object, in Docker's inspect shape.
        self.attrs: dict[str, Any] = attrs if attrs is not None else {}

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}: {self.short_id}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, self.__class__) and self.id == other.id

    def __hash__(self) -> int:
        return hash(f"{self.__class__.__name__}:{self.id}")

    @property
    def id(self) -> Any:
        """The ID of the object."""
        return self.attrs.get(self.id_attribute)

    @property
    def short_id(self) -> Any:
        """The ID of the object, truncated to 12 characters."""
        return self.id[:12]

    def reload(self) -> None:
        """Load this object from the store again and update ``attrs``."""
        assert self.collection is not None
        new_model = self.collection.get(self.id)
        self.attrs = new_model.attrs

    @property
    def _client(self) -> DockerClient:
        assert self.client is not None, "this object is not bound to a client"
        return self.client


M = TypeVar("M", bound=Model)


class Collection(Generic[M]):
    """A base class for all objects of one type in the store."""

    #: The type of object this collection represents, set by subclasses.
    model: type[M]

    def __init__(self, client: DockerClient | None = None) -> None:
        #: The client this collection belongs to.
        self.client = client

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            f"'{self.__class__.__name__}' object is not callable. "
            "You might be trying to use the old (pre-2.0) API - "
            "use docker.APIClient if so."
        )

    def list(self, *args: Any, **kwargs: Any) -> list[M]:
        raise NotImplementedError

    def get(self, *args: Any, **kwargs: Any) -> M:
        raise NotImplementedError

    def create(self, *args: Any, **kwargs: Any) -> M:
        raise NotImplementedError

    def prepare_model(self, attrs: Any) -> M:
        """Create a model from a set of attributes."""
        if isinstance(attrs, Model):
            attrs.client = self.client
            attrs.collection = self
            return attrs  # type: ignore[return-value]
        if isinstance(attrs, dict):
            return self.model(attrs=attrs, client=self.client, collection=self)
        raise Exception(f"Can't create {self.model.__name__} from {attrs}")

    @property
    def _client(self) -> DockerClient:
        assert self.client is not None, "this collection is not bound to a client"
        return self.client
