"""Kiln's Python SDK: ``Client`` for Kiln's API, ``Worker`` to serve processors as an external
worker, ``verify_webhook`` for receivers of its webhooks, and the ``python -m kiln`` command line.
Standard library only."""

__version__ = "0.1.0"

from .errors import Cancelled, JobError, KilnError, KilnUnavailable  # noqa: E402
from .client import Client  # noqa: E402
from .worker import Worker  # noqa: E402
from ._job import LeaseLost  # noqa: E402
from .webhooks import WebhookVerificationError, verify_webhook  # noqa: E402

__all__ = ["Client", "Worker", "KilnError", "KilnUnavailable", "JobError", "Cancelled", "LeaseLost",
           "verify_webhook", "WebhookVerificationError", "__version__"]
