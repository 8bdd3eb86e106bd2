"""The Docker-Engine-compatible REST service (``pallet system service``).

A front door like the CLI: every route translates a request into calls on ``pallet.engine``
and the answer back into Docker's JSON, status codes and error wording. ``service`` holds the
listeners and the per-connection threads, ``http`` the HTTP/1.1 reading, writing and
hijacking, ``router`` the version prefix, routing and error mapping, ``routes/`` one module
per resource.
"""

from pallet.api.service import ServiceOptions, default_socket, serve

__all__ = ["ServiceOptions", "default_socket", "serve"]
