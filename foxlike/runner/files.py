"""Writing files so that a reader never sees half of one and nothing lands outside its folder.

Each file is written to a temporary file in its folder, flushed to disk, and
renamed over its name: after an interruption the old file or the new one is
there, whole. A symbolic link already standing at that name (left by an
earlier run, or planted to redirect a report to ``~/.bashrc``) is replaced,
never followed. Shards, manifests and every report file go through here.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

from ..errors import InputError

#: Permissions of written files (``mkstemp`` alone would make them private to the user).
FILE_MODE = 0o644


def replace_file(path: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Call ``write(handle)`` on a fresh file, then put that file at ``path``."""
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return path


def replace_text(path: Path, text: str) -> Path:
    """:func:`replace_file` for a UTF-8 text file."""
    data = text.encode("utf-8")
    return replace_file(path, lambda handle: handle.write(data))


def subfolder(parent: Path, name: str) -> Path:
    """``parent/name``, checked to be no link or file (a folder there, or nothing, is fine)."""
    path = Path(parent) / name
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise InputError(f"{str(path)!r} exists and is not a folder (a link, or a file): remove it or choose "
                         "another output folder (--out).")
    return path
