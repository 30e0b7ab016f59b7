"""Write a file so that readers see the old bytes or the new ones, never a mix."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes, *, create: bool = False, durable: bool = True) -> None:
    """Replace the file at `path` (a symlink: its target) with `data`, keeping its mode; with
    `create`, a file that does not exist yet is made (with the usual mode for the umask),
    else that is an error (`fix` does not bring back a file deleted while it ran).

    The bytes go to a temporary file in the same folder, which then replaces the original in
    one `os.replace`: an interrupted run leaves the original untouched. `durable` waits until
    the bytes are on disk first (a cache can do without). A file this process may not write
    is left alone (PermissionError), as a plain write would leave it.
    """
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        if not create:
            raise
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    if target.exists() and not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".asynclint"
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
