"""Tar and compression for pallet: sniffing and streaming codecs, safe layer extraction with
OCI whiteouts, a fast streaming tar reader, and deterministic layer tars of directory trees.

This package imports only the standard library, ``zstandard`` and :mod:`pallet.errors`.
"""

from pallet.archive.compression import Compression, open_compressor, open_decompressed, sniff
from pallet.archive.extract import ExtractMode, ExtractResult, extract_layer
from pallet.archive.hashing import HashingReader, HashingWriter
from pallet.archive.tarball import write_tree
from pallet.archive.tarreader import Header, TarReader

__all__ = [
    "Compression",
    "ExtractMode",
    "ExtractResult",
    "HashingReader",
    "HashingWriter",
    "Header",
    "TarReader",
    "extract_layer",
    "open_compressor",
    "open_decompressed",
    "sniff",
    "write_tree",
]
