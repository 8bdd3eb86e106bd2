"""Stream wrappers that hash what passes through them, for diffIDs and digests in one pass."""

from __future__ import annotations

import hashlib
import io
from typing import BinaryIO

from pallet.archive._streams import drain

__all__ = ["HashingReader", "HashingWriter"]


class HashingReader(io.RawIOBase):
    """Reads from ``stream`` and keeps the sha256 and count of every byte read.

    Wrap the decompressed layer stream in one and hand it to ``extract_layer``: the
    extraction drains the stream to its end, so ``digest`` is then the layer's diffID.
    """

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream = stream
        self._hash = hashlib.sha256()
        self.size = 0
        """Bytes read so far."""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self._stream.read(-1 if size is None else size)
        self._hash.update(data)
        self.size += len(data)
        return data

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def drain(self) -> int:
        """Read to the end of the stream (hashing it); return how many bytes that was."""
        return drain(self)  # type: ignore[arg-type]

    @property
    def hexdigest(self) -> str:
        """The sha256 of the bytes read so far, in hex."""
        return self._hash.hexdigest()

    @property
    def digest(self) -> str:
        """The sha256 of the bytes read so far, as ``sha256:<hex>``."""
        return "sha256:" + self._hash.hexdigest()


class HashingWriter(io.RawIOBase):
    """Writes to ``stream`` and keeps the sha256 and count of every byte written.

    Closing it does not close ``stream``. Two give a layer's diffID and digest in one pass::

        digest = HashingWriter(file)
        compressor = open_compressor(digest, Compression.ZSTD)
        diff_id = HashingWriter(compressor)
        write_tree(upper, diff_id, from_overlay_upper=True)
        compressor.close()  # ends the zstd frame; only now is digest complete
    """

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream = stream
        self._hash = hashlib.sha256()
        self.size = 0
        """Bytes written so far."""

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._stream.write(data)
        self._hash.update(data)
        n = memoryview(data).nbytes
        self.size += n
        return n

    def flush(self) -> None:
        if not self.closed:
            self._stream.flush()

    @property
    def hexdigest(self) -> str:
        """The sha256 of the bytes written so far, in hex."""
        return self._hash.hexdigest()

    @property
    def digest(self) -> str:
        """The sha256 of the bytes written so far, as ``sha256:<hex>``."""
        return "sha256:" + self._hash.hexdigest()
