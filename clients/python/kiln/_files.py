"""Downloads the command line writes to a file it was given (``-o FILE``)."""

import os


def write_whole(path, fill):
    """Calls ``fill`` with ``path + ".part"`` open for binary writing and renames it to ``path`` once
    ``fill`` has returned, so a download cut short never leaves a file that looks complete. Returns
    what ``fill`` returned (the bytes written)."""
    partial = path + ".part"
    try:
        with open(partial, "wb") as f:
            written = fill(f)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return written
