"""The command line's argument types."""

import argparse


def positive(text):
    """A count or a size: 1 or more (``--limit 0`` would ask for nothing and print nothing)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("invalid int value: %r" % text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more, not %d" % value)
    return value
