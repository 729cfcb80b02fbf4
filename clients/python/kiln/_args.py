"""The command line's argument types and checks."""

import argparse


class UsageError(Exception):
    pass


def positive(text):
    """A count or a size: 1 or more (``--limit 0`` would ask for nothing and print nothing)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("invalid int value: %r" % text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more, not %d" % value)
    return value


# Paths are the file system's business; every other argument is text sent to Kiln (result's
# --file is the name of a result file, which goes into the URL).
_PATHS = {"submit": ("file",), "upload": ("file",), "batch": ("files",)}
_OUTPUT = "output"
# Sent in a header, which takes ASCII (Kiln refuses anything else there anyway).
_HEADERS = ("token", "idempotency_key")
# How the arguments are named on the command line, where that is not --the-dest.
_NAMES = {"job": "JOB", "batch": "BATCH", "jobs": "JOB", "file_ids": "FILE", "query": "QUERY",
          "question": "QUESTION", "in_jobs": "--job", "in_files": "--file", "address": "URL",
          "webhooks": "WEBHOOK", "webhook": "WEBHOOK", "delivery": "DELIVERY"}


def check_text(args):
    """Refuses, as a usage error, an argument that cannot be sent: bytes that are not UTF-8 (kept by
    Python as lone surrogates), or anything but ASCII where it goes in a header."""
    for name, value in sorted(vars(args).items()):
        if name == _OUTPUT or name in _PATHS.get(args.command, ()):
            continue
        for text in value if isinstance(value, list) else [value]:
            if not isinstance(text, str):
                continue
            option = _NAMES.get(name) or "--" + name.replace("_", "-")
            if name in _HEADERS and not text.isascii():
                shown = "" if name == "token" else ", not %r" % text  # a secret is not echoed
                raise UsageError("%s takes ASCII characters only%s" % (option, shown))
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise UsageError("%s is not UTF-8 text: %r" % (option, text))
