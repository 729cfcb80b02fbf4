"""The webhook commands of ``python -m kiln`` (docs/webhooks.md), what the web app's Webhooks section
offers: ``webhooks`` (list), ``webhook-add URL`` (its signing secret shown once), ``webhook-delete``,
``callback-secret`` (a new secret for your jobs' ``callbackUrl`` posts), ``webhook-deliveries`` (a
webhook's delivery log) and ``webhook-redeliver``."""

import json
import re

from ._args import positive
from .display import printable
from .errors import KilnError

ENDPOINT_KEPT = ("Kiln keeps it to sign every delivery but never shows it again; if it is lost, "
                 "webhook-delete this webhook and add it again.")
CALLBACK_KEPT = ("It signs the callbacks of all your jobs (callbackUrl) from now on, retries included; "
                 "the previous one no longer does.")


def add_parsers(commands, common):
    listed = commands.add_parser("webhooks", parents=[common], help="list your webhooks")
    listed.add_argument("--json", action="store_true", help="print each webhook as a JSON line")

    add = commands.add_parser("webhook-add", parents=[common],
                              help="add a webhook: Kiln posts your jobs' ends to URL, signed")
    add.add_argument("address", metavar="URL", help="the http:// or https:// address to post to")
    add.add_argument("--events", action="append", metavar="EVENT,…",
                     help="job.succeeded, job.failed, job.cancelled (default: all three)")
    add.add_argument("--processors", action="append", metavar="NAME,…",
                     help="only jobs of these processors (default: every processor)")
    add.add_argument("--description")
    add.add_argument("--json", action="store_true", help="print the webhook, with its secret, as JSON")

    delete = commands.add_parser("webhook-delete", parents=[common],
                                 help="delete webhooks (deliveries not yet sent are dropped)")
    delete.add_argument("webhooks", nargs="+", metavar="WEBHOOK")

    secret = commands.add_parser("callback-secret", parents=[common],
                                 help="a new secret for your jobs' callbacks (the old one stops signing)")
    secret.add_argument("--json", action="store_true", help="print the callback entry, with its secret, as JSON")

    log = commands.add_parser("webhook-deliveries", parents=[common], help="a webhook's deliveries, newest first")
    log.add_argument("webhook", metavar="WEBHOOK")
    log.add_argument("--limit", type=positive, default=20)
    log.add_argument("--json", action="store_true", help="print each delivery as a JSON line")

    again = commands.add_parser("webhook-redeliver", parents=[common], help="send a delivery again now")
    again.add_argument("webhook", metavar="WEBHOOK")
    again.add_argument("delivery", metavar="DELIVERY", help="its id (msg_…, see webhook-deliveries)")


def _names(given):
    """``--events a,b --events c`` → ``[a, b, c]`` (commas or spaces between); None when not given."""
    if not given:
        return None
    return [name for text in given for name in re.split(r"[\s,]+", text) if name]


def name(hook):
    return "job callbacks" if hook.get("kind") == "callback" else hook.get("url") or hook["id"]


def cmd_list(client, args, out, err):
    hooks = client.webhooks()
    for hook in hooks:
        if args.json:
            out.write(json.dumps(hook, ensure_ascii=False) + "\n")
            continue
        line = "%-30s %s  %s  %s" % (hook["id"], name(hook), ",".join(hook.get("events") or []),
                                     ",".join(hook.get("processors") or ["all processors"]))
        if hook.get("description"):
            line += "  (%s)" % hook["description"]
        out.write(printable(line) + "\n")
    if not hooks and not args.json:
        err.write("no webhooks\n")
    return 0


def cmd_add(client, args, out, err):
    events, processors = _names(args.events), _names(args.processors)
    added = ("it may have been added all the same, its secret unseen: `webhooks` lists it; "
             "webhook-delete it, then add it again")
    try:
        hook = client.create_webhook(args.address, events, processors, args.description)
    except KilnError as e:
        raise _lost(_naming(e, {"events": events, "processors": processors}), added)
    except KeyboardInterrupt:
        raise KeyboardInterrupt("interrupted before Kiln's answer (if Kiln got the request, %s)" % added) from None
    return _secret(hook, args, out, err, "signing secret of %s (%s)" % (name(hook), hook["id"]), ENDPOINT_KEPT,
                   "webhook-delete %s and add it again" % hook["id"])


def _lost(error, what):
    """A request sent once whose answer may have been lost on the way (the connection dropped, a
    proxy's 502 or 504): Kiln may have done it, and made a secret no one saw; ``what`` says so."""
    if error.status not in (None, 502, 504):
        return error
    return KilnError(error.status, error.code, "%s (if Kiln got the request, %s)" % (error.detail, what),
                     error.problem, error.retry_after)


def _naming(error, given):
    """Kiln names a bad name by its place (``field: processors[1]``); the command line says which
    of those given it was (``--processors "Bad Name": Not a processor name.``)."""
    match = re.fullmatch(r"(events|processors)\[(\d+)\]", str((error.problem or {}).get("field")))
    names = given.get(match.group(1)) if match else None
    if not names or int(match.group(2)) >= len(names):
        return error
    detail = "--%s %s: %s" % (match.group(1), json.dumps(names[int(match.group(2))], ensure_ascii=False), error.detail)
    return KilnError(error.status, error.code, detail, error.problem, error.retry_after)


def cmd_callback_secret(client, args, out, err):
    try:
        entry = client.rotate_callback_secret()
    except KilnError as e:
        raise _lost(e, "the secret may have been replaced all the same: run callback-secret again")
    except KeyboardInterrupt:
        raise KeyboardInterrupt("interrupted before Kiln's answer (if Kiln got the request, the secret may have "
                                "been replaced all the same: run callback-secret again)") from None
    return _secret(entry, args, out, err, "your callback secret (%s)" % entry["id"], CALLBACK_KEPT,
                   "run callback-secret again (the previous one no longer signs)")


def _secret(hook, args, out, err, what, kept, remedy):
    """The secret alone on stdout (or the whole answer with ``--json``); on stderr what it is, and
    that this is the only time it is shown. Stdout that cannot take it (a closed pipe, a full disk)
    is said on stderr with ``remedy``: Kiln has made the secret and no one has it."""
    if not args.json:
        err.write(printable("%s, shown this once. %s" % (what[0].upper() + what[1:], kept)) + "\n")
        err.flush()
    try:
        out.write((json.dumps(hook, ensure_ascii=False) if args.json else hook["secret"]) + "\n")
        out.flush()
    except OSError:
        err.write("kiln %s: the secret could not be written to stdout, so no one has it: %s.\n"
                  % (args.command, remedy))
        err.flush()
        raise  # a closed pipe ends as one does (141), another failure as a local file's (1)
    return 0


def cmd_delete(client, args, out, err, each):
    """``each(ids, delete, command, out, err)`` deletes them in turn, the CLI's own way."""
    return each(args.webhooks, client.delete_webhook, "webhook-delete", out, err)


def cmd_deliveries(client, args, out, err):
    """A line per delivery; the job callbacks' log (whose deliveries go where each job said) names
    each one's address too, as the web app does."""
    callbacks = not args.json and client.webhook(args.webhook).get("kind") == "callback"
    found = client.deliveries(args.webhook, args.limit)
    for delivery in found:
        if args.json:
            out.write(json.dumps(delivery, ensure_ascii=False) + "\n")
        else:
            line = delivery_line(delivery) + ("  to %s" % delivery.get("url") if callbacks else "")
            out.write(printable(line) + "\n")
    if not found and not args.json:
        err.write("nothing delivered yet: a job of yours that ends shows here\n")
    return 0


def cmd_redeliver(client, args, out, err):
    out.write(printable(delivery_line(client.redeliver(args.webhook, args.delivery))) + "\n")
    return 0


def delivery_line(d):
    """``msg_…  2026-12-05T09:00:01Z  job.failed  job_…  pending  3 attempts  HTTP 503: …  next …``."""
    parts = [d["id"], _when(d.get("createdAt")), d.get("event", ""), d.get("jobId", ""), d.get("status", ""),
             "%d attempt%s" % (d.get("attempts", 0), "" if d.get("attempts") == 1 else "s"), last_answer(d)]
    if d.get("nextAttemptAt") and d.get("status") == "pending":
        parts.append("next " + _when(d["nextAttemptAt"]))
    return "  ".join(p for p in parts if p)


def last_answer(d):
    """A delivery's last answer, as the web app says it: ``200 in 35 ms``, ``HTTP 500: …``, ``timed out``."""
    if not d.get("attempts"):
        return "not tried yet"
    took = "" if d.get("latencyMs") is None else " in %d ms" % d["latencyMs"]
    if d.get("status") == "delivered":
        return ("%s%s" % (d.get("responseStatus") or "", took)).strip()
    if d.get("error"):
        return re.sub(r"\s+", " ", d["error"]).strip()  # the receiver's answer, on one line
    return "HTTP %s%s" % (d["responseStatus"], took) if d.get("responseStatus") else "failed"


def _when(text):
    """``2026-12-05T09:00:01Z``: Kiln's time without its fraction of a second."""
    return re.sub(r"\.\d+", "", text or "")
