"""Writing files: the one writer every command that writes a file goes through.

``write_file(path, data)`` (bytes, str written as UTF-8, or bytes in pieces):

* same bytes already on disk -> nothing is written, the mtime stays (make/ninja see no change;
  bytes in pieces are compared once written to the temporary file, which is then removed);
* otherwise the bytes go to a temporary file in the same directory (same file system),
  are flushed and fsync()ed, get the old file's permission bits (or, for a new file,
  ``0o666 & ~umask``, as ``open()`` would give), and ``os.replace`` puts them in place in
  one step.  A reader, or a crash at any point, sees the old file or the new one, never a
  torn one; on failure the temporary file is removed and the old file is untouched.
* a destination that cannot be written (missing directory, no permission, a directory in
  the way, a full disk) raises ``WriteError`` naming the path and the reason; the CLI turns
  it into a usage error (exit 2).  Library code never prints.
* a symbolic link is followed: the file it names is replaced, the link stays.  A destination
  that is no regular file (``/dev/null``, a terminal, a FIFO someone reads) is written into,
  not replaced: the bytes are staged in a temporary file elsewhere and copied into it (a FIFO
  no process reads is refused, not waited on).

``Staged`` writes several files all or none (``layoutc build``'s artefacts, a gallery): each to
its temporary file first, then all renamed.  ``stale(path, pieces)`` compares without writing
(``build --check``), and ``in_runs`` turns text made in pieces into bytes to write.

Cheap to import: ``tempfile`` is imported when a file is actually written.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO


class WriteError(Exception):
    """A file could not be written; ``str()`` is the message for the user."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(f"layoutc: cannot write `{os.fspath(path)}`: {reason}")
        self.path = os.fspath(path)
        self.reason = reason


def read_bytes(path: str | os.PathLike[str]) -> bytes | None:
    """The file's bytes, or None when it does not exist (or is not a readable file)."""
    try:
        return Path(path).read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


class ReadError(Exception):
    """An input file that is refused or cannot be read; ``reason`` is the message's tail."""

    def __init__(self, path: str, reason: str, too_large: bool = False) -> None:
        super().__init__(f"cannot read `{path}`: {reason}")
        self.path = path
        self.reason = reason
        self.too_large = too_large  # the size limit (L001), not a missing or odd file (N104)

    @classmethod
    def past(cls, path: str, limit: int) -> ReadError:
        """The input has more than ``limit`` bytes (L001)."""
        return cls(path, f"more than the limit of {limit:,} bytes", too_large=True)


def read_input(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of an input file of at most ``limit`` bytes, or ``ReadError`` saying why not.

    Only regular files are read: a device, FIFO or socket (``/dev/zero``, a named pipe) is
    refused from its ``fstat`` without reading from it (opened non-blocking, so a FIFO with
    no writer cannot hang us), and at most ``limit + 1`` bytes are ever read.
    """
    name = os.fspath(path)
    if "\0" in name:
        raise ReadError(name, "the path contains a NUL byte")
    try:
        descriptor = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise ReadError(name, "no such file") from None
    except IsADirectoryError:
        raise ReadError(name, "it is a directory") from None
    except (OSError, ValueError) as error:
        raise ReadError(name, getattr(error, "strerror", None) or str(error)) from None
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise ReadError(name, "it is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise ReadError(name, "not a regular file (a device, FIFO or socket)")
        if info.st_size > limit:
            raise ReadError(name, f"{info.st_size:,} bytes, more than the limit of {limit:,}", too_large=True)
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(descriptor, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:  # grew while we read it
            raise ReadError.past(name, limit)
        return b"".join(chunks)
    except OSError as error:
        raise ReadError(name, error.strerror or str(error)) from None
    finally:
        os.close(descriptor)


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_file(path: str | os.PathLike[str], data: bytes | str | Iterable[bytes]) -> bool:
    """Write ``data`` (bytes, str, or bytes in pieces: a large output is never held whole) to ``path``
    atomically unless it already holds exactly that; True if written."""
    with Staged() as staged:
        changed = staged.add(path, data)
        staged.commit()
    return changed


class Staged:
    """Files written together, all or none: ``add`` writes each to a temporary file beside it (the
    same file system), ``commit`` puts the changed ones in place; leaving the ``with`` block without
    ``commit`` (an error while making or writing any of them) removes every temporary file and
    leaves every old file as it was.

    Each file's bytes are flushed and fsync()ed before any is renamed, so what can be torn is only
    the set (a crash between two renames), never a file.
    """

    def __init__(self) -> None:
        # (temporary file, target, permission bits or None for a target written into: a device, a FIFO)
        self._pending: list[tuple[str, Path, int | None]] = []

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def add(self, path: str | os.PathLike[str], data: bytes | str | Iterable[bytes]) -> bool:
        """Write ``data`` beside ``path``; False (and nothing kept) when ``path`` already holds exactly it."""
        import tempfile

        target = Path(path)
        whole: bytes | None  # all the bytes at once, compared before anything is written
        pieces: Iterable[bytes]
        if isinstance(data, (str, bytes)):
            whole = data.encode("utf-8") if isinstance(data, str) else data
            pieces = (whole,)
        else:
            whole, pieces = None, data
        if "\0" in str(target):
            raise WriteError(target, "the path contains a NUL byte")
        real = target
        mode: int | None
        try:
            if target.is_symlink():
                real = Path(os.path.realpath(target))  # a loop of links: is_dir says so below
            if real.is_dir():
                raise WriteError(target, "it is a directory")
            info = target.stat()
            if not stat.S_ISREG(info.st_mode):
                real = target  # opened through its links (/dev/stdout is /proc/self/fd/1, then a pipe)
                mode = None  # written into where it is, never replaced
            elif whole is not None and _holds(real, io.BytesIO(whole)):
                return False
            else:
                mode = stat.S_IMODE(info.st_mode)
        except FileNotFoundError:
            mode = _new_file_mode()
        except OSError as error:  # a name too long, a loop of links, no permission to look
            raise WriteError(target, error.strerror or str(error)) from None
        try:
            descriptor, temporary = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp",
                                                     dir=None if mode is None else real.parent)
        except OSError as error:
            raise WriteError(target, error.strerror or str(error)) from None
        try:
            with os.fdopen(descriptor, "wb") as handle:
                for piece in pieces:
                    handle.write(piece)
                handle.flush()
                if whole is None and _holds(real, open(temporary, "rb")):
                    os.unlink(temporary)
                    return False
                os.fsync(handle.fileno())
        except BaseException as error:
            _remove(temporary)
            if isinstance(error, OSError):
                raise WriteError(target, error.strerror or str(error)) from error
            raise
        self._pending.append((temporary, real, mode))
        return True

    def commit(self) -> int:
        """Put every changed file in place; how many there were."""
        done = 0
        # what is written into (a device, a FIFO) goes first: if it fails, no file has been replaced yet
        self._pending.sort(key=lambda pending: pending[2] is not None)
        try:
            for temporary, target, mode in self._pending:
                try:
                    if mode is None:
                        _write_into(temporary, target)
                    else:
                        os.chmod(temporary, mode)
                        os.replace(temporary, target)
                except OSError as error:
                    raise WriteError(target, error.strerror or str(error)) from error
                done += 1
        finally:
            self._pending = self._pending[done:]
        return done

    def discard(self) -> None:
        for temporary, _, _ in self._pending:
            _remove(temporary)
        self._pending = []


def _write_into(temporary: str, target: Path) -> None:
    """Copy the staged bytes into a target that is no regular file, then drop them.  Opened without
    waiting, so a FIFO no process reads is an error (ENXIO), not a hang."""
    try:
        descriptor = os.open(target, os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        if error.errno == errno.ENXIO:
            raise OSError(error.errno, "it is a FIFO no process reads") from None
        raise
    try:
        os.set_blocking(descriptor, True)
        with open(temporary, "rb") as staged:
            while block := staged.read(1 << 20):
                view = memoryview(block)
                while view:
                    view = view[os.write(descriptor, view):]
    finally:
        os.close(descriptor)
    os.unlink(temporary)


def _remove(temporary: str) -> None:
    try:
        os.unlink(temporary)
    except FileNotFoundError:
        pass


def stale(path: str | os.PathLike[str], pieces: Iterable[bytes]) -> bytes | None:
    """None when ``path`` is a regular file holding exactly the bytes ``pieces`` gives, else those bytes.

    The pieces are spooled to an anonymous temporary file and compared a MiB at a time, so a
    current file costs no memory for its size; a stale one returns its new bytes (for a diff)."""
    import tempfile

    with tempfile.TemporaryFile() as spool:
        for piece in pieces:
            spool.write(piece)
        spool.flush()
        if _holds(Path(path), spool, close=False):
            return None
        spool.seek(0)
        return spool.read()


def to_stdout(pieces: Iterable[bytes]) -> None:
    """Bytes to standard output as they come (its text layer flushed first; a stream without a
    byte layer, as when a caller captures output in a StringIO, gets them decoded)."""
    import sys

    sys.stdout.flush()
    raw = getattr(sys.stdout, "buffer", None)
    for piece in pieces:
        if raw is None:
            sys.stdout.write(piece.decode("utf-8"))
        else:
            raw.write(piece)
    (raw or sys.stdout).flush()


def in_runs(pieces: Iterable[str], size: int = 1 << 16) -> Iterator[bytes]:
    """Text made in pieces as UTF-8 bytes in runs of about ``size`` characters: few writes, and the
    whole text is never held."""
    run: list[str] = []
    length = 0
    for piece in pieces:
        run.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(run).encode("utf-8")
            run, length = [], 0
    if run:
        yield "".join(run).encode("utf-8")


def _holds(target: Path, given: BinaryIO, close: bool = True) -> bool:
    """Whether ``target`` is a regular file holding exactly the bytes ``given`` reads (a MiB at a time);
    ``given`` is closed after, unless ``close`` is False."""
    with given if close else contextlib.nullcontext(given):
        try:
            info = os.stat(target)
            if not stat.S_ISREG(info.st_mode) or info.st_size != given.seek(0, os.SEEK_END):
                return False
            given.seek(0)
            with open(target, "rb") as old:
                while True:
                    block = old.read(1 << 20)
                    if block != given.read(1 << 20):
                        return False
                    if not block:
                        return True
        except FileNotFoundError:
            return False
        except OSError as error:  # a file where a directory should be, a loop of links
            raise WriteError(target, error.strerror or str(error)) from None


def make_directory(path: str | os.PathLike[str]) -> None:
    """Create ``path`` (and its parents) for outputs, or raise ``WriteError`` saying why not."""
    try:
        os.makedirs(path, exist_ok=True)
    except FileExistsError:
        raise WriteError(path, "it exists and is not a directory") from None
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in the path
        raise WriteError(path, getattr(error, "strerror", None) or str(error)) from None


@contextlib.contextmanager
def output_directory(path: str | os.PathLike[str]) -> Iterator[None]:
    """``make_directory(path)`` for the block's outputs; if the block fails, the directories it made are
    removed again (a full disk left an empty tree behind), those that were there stay."""
    missing: list[str] = []
    at = os.path.abspath(os.fspath(path))
    while at and not os.path.lexists(at):
        missing.append(at)
        parent = os.path.dirname(at)
        at = parent if parent != at else ""
    make_directory(path)
    try:
        yield
    except BaseException:
        for made in missing:  # the deepest first
            try:
                os.rmdir(made)
            except OSError:  # not empty (something else wrote there meanwhile), or gone
                break
        raise
