"""Checking that a webhook really comes from your Kiln (Standard Webhooks signatures)."""

import base64
import binascii
import hashlib
import hmac
import json
import time

__all__ = ["verify_webhook", "WebhookVerificationError"]

DEFAULT_TOLERANCE = 300


class WebhookVerificationError(ValueError):
    """The message is not signed with the secret, is too old or too new, or lacks a header."""


def verify_webhook(secret, headers, body, tolerance=DEFAULT_TOLERANCE, now=None):
    """Checks a webhook Kiln sent and returns its message (the parsed JSON body).

    ``secret`` is the endpoint's (or your callback) secret, ``whsec_...``; ``headers`` any mapping
    of the request's headers (names in any case: a dict, ``http.server``'s, a framework's);
    ``body`` the raw body, exactly as received (bytes, or str). Raises
    :class:`WebhookVerificationError` unless one ``v1`` signature in ``webhook-signature`` is the
    HMAC-SHA256 of ``{webhook-id}.{webhook-timestamp}.{body}`` keyed with the secret, and the
    timestamp is within ``tolerance`` seconds of ``now`` (default: the clock). Deliveries are at
    least once: remember ``headers["webhook-id"]`` to act on each message once.
    """
    msg_id = _header(headers, "webhook-id")
    timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    if isinstance(body, str):
        body = body.encode("utf-8")
    try:
        sent = int(timestamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a number of seconds")
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance:
        raise WebhookVerificationError("the message's timestamp is too far from now (a replay?)")
    if not secret.startswith("whsec_"):
        raise WebhookVerificationError("a Kiln webhook secret starts with whsec_")
    try:
        key = base64.b64decode(secret[len("whsec_"):], validate=True)
    except binascii.Error:
        raise WebhookVerificationError("the secret is not whsec_ and base64")
    signed = ("%s.%s." % (msg_id, timestamp)).encode("utf-8") + body
    expected = hmac.new(key, signed, hashlib.sha256).digest()
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version != "v1":
            continue
        try:
            given = base64.b64decode(value, validate=True)
        except binascii.Error:
            continue
        if hmac.compare_digest(given, expected):
            return json.loads(body.decode("utf-8"))
    raise WebhookVerificationError("no signature matches: wrong secret, or the body was changed")


def _header(headers, name):
    value = headers.get(name) if hasattr(headers, "get") else None
    if value is None:
        for key, candidate in headers.items():
            if key.lower() == name:
                value = candidate
                break
    if value is None:
        raise WebhookVerificationError("the request has no %s header" % name)
    return value
