"""Reading the files of a definition: bounded, text only, and confined to its folder.

A chart may name other files: fragments (``include:``) and template bodies
(``templates.X.body_file``). Each must resolve inside the chart's **definitions folder**,
the folder that holds the chart file (its subfolders included), unless the caller names a
wider one (``root=``). Resolution follows symbolic links first, so a link that leads out of
the folder is refused like ``../../etc/passwd`` or an absolute path. Only regular files are
read (never a device such as ``/dev/zero``, a pipe such as ``/dev/stdin``, or a folder), at
most :data:`MAX_DEFINITION_BYTES` (charts, fragments) or :data:`MAX_TEMPLATE_BYTES`
(template bodies), and only as UTF-8 text without NUL bytes.

A refusal is :class:`FileRefused` with a diagnostic code and a reason that never quotes
the file's content, so an error message cannot leak what a file holds.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

__all__ = [
    "MAX_DEFINITION_BYTES",
    "MAX_TEMPLATE_BYTES",
    "FileRefused",
    "confine",
    "exists",
    "read_text",
    "reading_buffers",
]

#: the largest chart or fragment file read (the biggest shipped chart is ~40 KB)
MAX_DEFINITION_BYTES = 2 * 1024 * 1024
#: the largest template body file read
MAX_TEMPLATE_BYTES = 256 * 1024

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class FileRefused(Exception):
    """A file a definition names cannot be used; ``code`` is its diagnostic code."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n // 1024} KiB"


def confine(ref: str, base: Path, root: Path) -> Path:
    """The file ``ref`` names, relative to the folder ``base``; it must lie inside ``root``.

    Raises :class:`FileRefused` (E008) for an absolute path and for a path that leaves
    ``root`` (through ``..`` or a symbolic link). The result has every link resolved.
    """
    if Path(ref).is_absolute() or ref.startswith("~"):
        raise FileRefused(
            "E008",
            f"'{ref}' is an absolute path; expected a path relative to the file that names it, "
            f"inside the definitions folder {root}",
        )
    target = Path(os.path.realpath(base / ref))
    inside = Path(os.path.realpath(root))
    if target != inside and not target.is_relative_to(inside):
        raise FileRefused(
            "E008",
            f"'{ref}' leads outside the definitions folder {inside}; expected a file inside it "
            "(no '..' above it, no symbolic link out of it)",
        )
    return target


#: files being edited and not saved (resolved path -> text), see :func:`reading_buffers`
_BUFFERS: ContextVar[Mapping[str, str] | None] = ContextVar("statewise_buffers", default=None)


@contextmanager
def reading_buffers(buffers: Mapping[str, str]) -> Iterator[None]:
    """Within the block, a file that ``buffers`` holds (by path) is read from there: the text
    an editor shows and has not saved (the language server's open fragments and template
    files). Paths are compared resolved; confinement and the limits apply as to files."""
    resolved = {os.path.realpath(name): text for name, text in buffers.items()}
    token = _BUFFERS.set(resolved)
    try:
        yield
    finally:
        _BUFFERS.reset(token)


def _buffer(path: Path) -> str | None:
    buffers = _BUFFERS.get()
    return None if buffers is None else buffers.get(os.path.realpath(path))


def exists(path: Path) -> bool:
    """Whether ``path`` is a file, or a buffer being edited (:func:`reading_buffers`)."""
    return path.exists() or _buffer(path) is not None


def read_text(path: Path, *, limit: int = MAX_DEFINITION_BYTES) -> str:
    """The UTF-8 text of the regular file ``path``, at most ``limit`` bytes (or of its
    buffer, in :func:`reading_buffers`).

    Raises :class:`FileRefused`: E005 (cannot be opened, not UTF-8 text, NUL bytes), E009
    (not a regular file) or E010 (larger than ``limit``). The type and size are checked on
    the opened file, so a file swapped after the check cannot slip through, and a pipe or
    device is never read from.
    """
    edited = _buffer(path)
    if edited is not None:
        size = len(edited.encode("utf-8", "surrogatepass"))
        if size > limit:
            raise FileRefused("E010", f"'{path}' is {_size(size)}; the limit is {_size(limit)}")
        if "\0" in edited:
            raise FileRefused("E005", f"'{path}' is a binary file; expected UTF-8 text")
        return edited
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise FileRefused("E005", f"cannot read file: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a device, pipe or socket"
            raise FileRefused("E009", f"'{path}' is {kind}, not a regular file")
        if info.st_size > limit:
            raise FileRefused(
                "E010",
                f"'{path}' is {_size(info.st_size)}; the limit is {_size(limit)}",
            )
        with os.fdopen(os.dup(fd), "rb") as stream:
            data = stream.read(limit + 1)
    except OSError as exc:
        raise FileRefused("E005", f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > limit:  # a file that reports no size (as in /proc) or grew meanwhile
        raise FileRefused("E010", f"'{path}' is larger than the limit of {_size(limit)}")
    if b"\0" in data:
        raise FileRefused("E005", f"'{path}' is a binary file; expected UTF-8 text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRefused("E005", f"'{path}' is not UTF-8 text") from None
