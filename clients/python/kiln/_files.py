"""Downloads the command line writes to a file it was given (``-o FILE``)."""

import errno
import os


def write_whole(path, fill):
    """Calls ``fill`` with ``path + ".part"`` open for binary writing and renames it to ``path`` once
    ``fill`` has returned, so a download cut short never leaves a file that looks complete. Returns
    what ``fill`` returned (the bytes written). A ``path`` that cannot be written (a directory, one
    in a missing directory) raises OSError naming ``path`` before anything is downloaded."""
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    partial = path + ".part"
    try:
        f = open(partial, "wb")
    except OSError as e:
        raise OSError(e.errno, e.strerror, path) from None  # OSError picks the subclass from errno
    try:
        with f:
            written = fill(f)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return written
