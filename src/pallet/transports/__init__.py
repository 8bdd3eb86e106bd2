"""Transports: where images are read from and written to, one module per kind.

``registry/`` (``docker://``), ``layout`` (``oci:DIR:NAME``), ``oci_archive``,
``docker_archive``, ``dir`` (skopeo's ``dir:``), and ``load_plan`` (planning a load streamed
from stdin). Each file transport offers ``read`` returning lazy ``pallet.image`` objects and
``write`` taking them. Nothing is imported here: the CLI imports only the transport it needs.
"""
