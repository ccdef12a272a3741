"""Images for upload tests: large in pixels, small in bytes, written without holding their pixels."""

from __future__ import annotations

import struct
import sys
import zlib

import pytest


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def blank_png(width: int, height: int) -> bytes:
    """A black RGB PNG: 8000 × 8000 is ~190 KB of file and 64 megapixels (~0.25 GB) once decoded."""
    compressor = zlib.compressobj(9)
    line = b"\x00" * (1 + 3 * width)  # filter byte, then the pixels
    data = b"".join(compressor.compress(line * min(500, height - done)) for done in range(0, height, 500))
    data += compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def peak_memory_growth(action):
    """(what action returned, how far the process's resident memory peaked above where it started).

    Linux resets the peak on writing 5 to clear_refs; this counts what Pillow's C code allocates too,
    which tracemalloc does not see."""
    if not sys.platform.startswith("linux"):
        pytest.skip("measures the resident-memory peak through /proc")
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    before = _status_kb("VmRSS")
    result = action()
    return result, (_status_kb("VmHWM") - before) * 1024


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)
