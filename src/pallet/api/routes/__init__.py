"""One module per resource; importing this package registers every route."""

from pallet.api.routes import (  # noqa: F401
    archive,
    attach,
    build,
    containers,
    exec,
    images,
    lifecycle,
    networks,
    registry,
    system,
    volumes,
)
