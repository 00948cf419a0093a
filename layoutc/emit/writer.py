"""Writing generated files the way build systems need: atomically, and only when the content changed.

``write_if_changed(path, data)``:

* same bytes already on disk -> nothing is written, the mtime stays (make/ninja see no change);
* otherwise the bytes go to a temporary file in the same directory (same file system),
  are flushed and fsync()ed, get the old file's permission bits (or the umask's for a
  new file), and ``os.replace`` puts them in place in one step.  A reader, or a crash
  at any point, sees the old file or the new one, never a torn one; on failure the
  temporary file is removed and the old file is untouched.

This is the only module of the emit package that touches the file system.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def read_bytes(path: str | os.PathLike) -> bytes | None:
    """The file's bytes, or None when it does not exist."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_if_changed(path: str | os.PathLike, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically unless it already holds exactly that; True if written."""
    path = Path(path)
    if read_bytes(path) == data:
        return False
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = _new_file_mode()
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    return True
