"""The batch commands of ``python -m kiln``: ``batch FILES…`` uploads each file resumably and makes
one batch of them (optionally following its aggregated progress), ``batches``, ``batch-show``, ``batch-cancel``,
``batch-retry`` and ``batch-download`` (the zip of every result in one format)."""

import argparse
import contextlib
import hashlib
import json
import os
import re
import time
import uuid

from ._args import positive
from ._files import write_whole
from ._http import Backoff, retry_delay
from .display import duration, parse_time, printable, retrying_what
from .errors import KilnError
from .uploads import EXPIRY_GRACE, UploadStore, file_name

FINISHED = ("succeeded", "failed", "cancelled")
# The states an error explains. A job cancelled while waiting to retry keeps the failed attempt's
# error, which is no longer its story (and a Kiln before 2026-12-07 kept it after a later success too).
ERRED = ("failed", "retry_scheduled")
# How long a run's batch is told to the same command started while it ran (see Run.alone).
RAN_FOR = 3600.0
# A batch's name: at most this many characters, and none of these (docs/protocol.md, "Batches").
MAX_NAME = 200
_NOT_IN_NAMES = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
# The batch endpoint is read at most once a second while following (docs/protocol.md, "Batches").
POLL_SECONDS = 1.0


def add_parsers(commands, common, chunk_default):
    batch = commands.add_parser("batch", parents=[common], help="upload several files and run them as one batch")
    batch.add_argument("files", nargs="+", metavar="FILE", help="the input files")
    batch.add_argument("--processor", "--type", "-p", dest="processor", required=True,
                       help="processor name (see GET /api/v1/processors)")
    batch.add_argument("--param", action="append", metavar="KEY=VALUE",
                       help="a parameter for every job; the value is JSON if it parses as JSON, else a string")
    batch.add_argument("--name", help="the batch's name (default: the first file's and how many more)")
    batch.add_argument("--idempotency-key", help="the batch's key (default: a new one)")
    batch.add_argument("--follow", "-f", action="store_true", help="show aggregated progress until it finishes")
    batch.add_argument("--json", action="store_true", help="print the batch as JSON")
    batch.add_argument("--chunk-size", type=positive, default=chunk_default, help=argparse.SUPPRESS)

    listed = commands.add_parser("batches", parents=[common], help="list your batches, newest first")
    listed.add_argument("--limit", type=positive, default=20)
    listed.add_argument("--json", action="store_true", help="print the batches as JSON lines")

    show = commands.add_parser("batch-show", parents=[common], help="a batch's progress and its files")
    show.add_argument("batch", metavar="BATCH")
    show.add_argument("--follow", "-f", action="store_true", help="follow it until it finishes")
    show.add_argument("--json", action="store_true", help="print the batch as JSON")

    for name, what in (("batch-cancel", "cancel every unfinished job of a batch"),
                       ("batch-retry", "retry a batch's failed and cancelled jobs that could end otherwise")):
        action = commands.add_parser(name, parents=[common], help=what)
        action.add_argument("batch", metavar="BATCH")

    download = commands.add_parser("batch-download", parents=[common], help="download a batch's results as a zip")
    download.add_argument("batch", metavar="BATCH")
    download.add_argument("--format", default="json", help="json (default) or one the processor offers (txt, srt, …)")
    download.add_argument("-o", "--output", metavar="FILE", required=True, help="the zip to write")


def default_name(paths):
    """The first file's name and how many more, as Kiln takes a batch's name: one line of at most
    MAX_NAME characters (Java's, UTF-16 units), without control characters; None when nothing of it
    is left (Kiln then keeps none)."""
    first = _NOT_IN_NAMES.sub("\ufffd", file_name(paths[0])).strip()
    more = "" if len(paths) == 1 else " and %d more" % (len(paths) - 1)
    if _units(first + more) > MAX_NAME:
        room = MAX_NAME - _units(more) - 1
        while _units(first) > room:
            first = first[:-1]
        first = first.rstrip() + "\u2026"
    return first + more if first else None


def _units(text):
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def check_processor(client, name):
    """Kiln checks the batch's processor only when every file is in (with the batch's request): a
    name it does not list is refused here first, as Kiln would refuse it then, before any byte is
    sent. Where the list cannot be had (a refusal), Kiln's check at the end is left to say it."""
    try:
        known = [processor.get("name") for processor in client.processors()]
    except KilnError as e:
        if e.transient or e.status == 401:
            raise
        return
    if known and name not in known:
        raise KilnError(400, "unknown_processor", "There is no processor named '%s'." % name,
                        {"code": "unknown_processor", "field": "type", "known": known})


def cmd_batch(client, args, out, err, upload, params, store=None):
    """``upload(client, path, chunk_size, err)`` → a file id; every path is a file (checked first).
    With ``store`` (the upload cache) a run cut short is taken up by the same command: see :class:`Run`."""
    run = Run(store, client.url if store is not None else None, getattr(getattr(client, "http", None), "token", ""))
    name = args.name or default_name(args.files)
    # The same command started at the same time waits for this one's batch, and takes it.
    with run.alone([args.processor, args.files, params, name, args.idempotency_key], err) as made:
        batch = made(client)
        if batch is None:
            file_ids = [run.file(client, path, lambda p=path: _uploaded(upload, client, p, args.chunk_size, err), err)
                        for path in args.files]
            # The CLI's own retries never make two batches, nor does the same command run again after a cut.
            key = args.idempotency_key or run.key(args.processor, file_ids, params, name)
            batch = client.create_batch(args.processor, file_ids, params, name, key)
            run.made(batch)
    if not args.follow:
        out.write((json.dumps(batch) if args.json else batch["id"]) + "\n")
        run.done()
        return 0
    err.write("batch %s submitted (%d jobs)\n" % (batch["id"], batch["jobCount"]))
    code = _follow(client, batch["id"], args, out, err)
    run.done()
    return code


class Run:
    """What a ``batch`` command cut short (Ctrl-C, a crash, a dropped link) leaves in the upload
    cache for the same command run again with the same token: the id of each file it uploaded
    completely, keyed as the cache keys an upload (server, path, size, modification time), used
    again while Kiln still has it (``GET /api/v1/files/{id}``; else the file is uploaded anew);
    and the batch's ``Idempotency-Key``, keyed by the batch request (processor, file ids, params,
    name), so Kiln answers the batch the cut run made instead of making a second one (while it
    remembers the key, ``kiln.jobs.idempotency-retention``, 48 hours by default). A file cut midway resumes as any
    upload does. The command forgets all of it once it has done its work (printed the batch, or
    followed it to its end): running it again then makes a new batch."""

    def __init__(self, store, server, token=""):
        self.store, self.server = store, server
        # Whose run it was: another token's (an admin's reads any file) never takes it up. The
        # token itself is not kept, only a few bytes of its hash.
        self.who = hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]
        self.keys = []

    def file(self, client, path, send, err):
        """The file's id: the one a cut run uploaded, if Kiln still has it, else ``send()``'s."""
        key = None if self.store is None else "uploaded|%s|%s" % (self.who, UploadStore.key(self.server, path))
        known = None if key is None else self.store.get(key)
        if key is not None:
            self.keys.append(key)
        if isinstance(known, str) and _still_there(client, known, path):
            err.write("%s: uploaded before (%s)\n" % (path, known))
            return known
        file_id = send()
        if key is not None:
            self.store.put(key, file_id)
        err.write("%s: uploaded (%s)\n" % (path, file_id))
        err.flush()
        return file_id

    def key(self, processor, file_ids, params, name):
        """The batch's Idempotency-Key: the cut run's for the same request, else a new one, kept."""
        if self.store is None:
            return "cli-" + uuid.uuid4().hex
        request = json.dumps([self.server, self.who, processor, file_ids, params, name], sort_keys=True)
        entry = "batch|" + hashlib.sha256(request.encode("utf-8")).hexdigest()
        self.keys.append(entry)
        key = self.store.get(entry)
        if not isinstance(key, str):
            key = "cli-" + uuid.uuid4().hex
            self.store.put(entry, key)
        return key

    @contextlib.contextmanager
    def alone(self, request, err):
        """Runs the block while no other process runs the same command (the same files, as the
        cache keys them, processor, params, name and key, with the same token), waiting for one that
        does. Yields ``made(client)``: the batch such a command made since this one started (read
        again from Kiln), else None."""
        if self.store is None:
            yield lambda client: None
            return
        paths = request[1]
        request = [self.server, self.who, request[0], [UploadStore.key(self.server, p) for p in paths]] + request[2:]
        self.run = "ran|" + hashlib.sha256(json.dumps(request, sort_keys=True).encode("utf-8")).hexdigest()
        # What an identical run made before this one started is not this run's: only an entry that
        # changed while this one waited is (compared as written, not by clocks, which may differ
        # between machines sharing the cache).
        before = self.store.get(self.run)

        def waiting():
            err.write("the same batch command is running; waiting for its batch (Ctrl-C stops waiting)\n")
            err.flush()

        def made(client):
            ran = self.store.get(self.run)
            if not (isinstance(ran, dict) and isinstance(ran.get("batch"), str)) or ran == before:
                return None
            err.write("batch %s was made by the same command running alongside\n" % ran["batch"])
            return client.batch(ran["batch"])

        with self.store.alone(self.run, waiting):
            yield made

    def made(self, batch):
        """Tells a command waiting in :meth:`alone` (or about to) which batch this run made."""
        if self.store is not None:
            now = time.time()
            self.store.put(self.run, {"batch": batch["id"], "at": now}, expires=now + RAN_FOR - EXPIRY_GRACE)

    def done(self):
        if self.store is not None and self.keys:
            self.store.remove(*self.keys)


def _still_there(client, file_id, path):
    """Whether Kiln still has the file, for this token, as big as the one on disk. Gone, another
    user's or refused: it is uploaded again. Kiln out of reach (after the client's retries) ends
    the command, as the upload would."""
    try:
        found = client.file(file_id)
    except KilnError as e:
        if e.transient:
            raise
        return False
    return isinstance(found, dict) and found.get("size") == os.path.getsize(path)


def _uploaded(upload, client, path, chunk_size, err):
    """The file's id; a refusal of the file names it, which of many the answer alone does not say (a
    refused token, 401 or 403, is no file's fault and is not given one's name)."""
    try:
        return upload(client, path, chunk_size, err)
    except KilnError as e:
        if e.transient or e.status in (401, 403):
            raise
        raise KilnError(e.status, e.code, "%s: %s" % (path, e.detail), e.problem, e.retry_after) from None


def cmd_list(client, args, out, err):
    for batch in client.batches(args.limit):
        if args.json:
            out.write(json.dumps(batch) + "\n")
        else:
            out.write(printable("%-30s %-16s %s  %s" % (batch["id"], batch["type"], summary(batch),
                                                        batch.get("name") or "")).rstrip() + "\n")
    return 0


def cmd_show(client, args, out, err):
    if args.follow:
        return _follow(client, args.batch, args, out, err)
    batch = client.batch(args.batch)
    out.write(json.dumps(batch) + "\n" if args.json else render(batch))
    return 0


def cmd_cancel(client, args, out, err):
    batch = client.cancel_batch(args.batch)
    out.write("%s %s\n" % (batch["id"], summary(batch)))
    return 0


def cmd_retry(client, args, out, err):
    batch = client.retry_batch(args.batch)
    out.write("%s %s\n" % (batch["id"], summary(batch)))
    return 0


def cmd_download(client, args, out, err):
    written = write_whole(args.output, lambda f: client.download_batch(args.batch, args.format, f))
    err.write("wrote %d bytes to %s\n" % (written, args.output))
    return 0


def _follow(client, batch_id, args, out, err, sleep=time.sleep):
    """Reads the batch once a second until it finishes: 0 when every job succeeded, else 1. While
    Kiln cannot be reached or is restarting it keeps trying, with backoff (or its Retry-After)."""
    tty = err.isatty() and not args.json
    last = None
    backoff = Backoff(1.0, 30.0)
    while True:
        try:
            batch = _read_once(client, batch_id)
            backoff.reset()
        except KilnError as e:
            if not e.transient:
                raise
            # Kiln restarting or out of reach: keep following, as a job's follower does.
            delay = retry_delay(e, backoff)
            err.write("%s%s; again in %.1f s\n" % ("\r\x1b[K" if tty else "", retrying_what(e), delay))
            last = None
            sleep(delay)
            continue
        line = "%s %s" % (batch_id, summary(batch))
        if tty:
            err.write("\r\x1b[K" + line)
            err.flush()
        elif line != last:
            err.write(line + "\n")
        last = line
        if batch["finished"]:
            break
        sleep(POLL_SECONDS)
    if tty:
        err.write("\n")
    out.write(json.dumps(batch) + "\n" if args.json else render(batch))
    return 0 if batch["counts"].get("succeeded", 0) == batch["jobCount"] else 1


def _read_once(client, batch_id):
    """The batch, read without the client's own few retries: the follow loop waits out a failure
    itself, with one backoff and one message per wait."""
    retries = getattr(client, "retries", 0)
    client.retries = 0
    try:
        return client.batch(batch_id)
    finally:
        client.retries = retries


def summary(batch, now=time.time):
    """``42% · 1 of 3 done · 1 running · ETA 20s``: the time left, as a job's progress bar says it."""
    counts = batch["counts"]
    done = sum(counts.get(state, 0) for state in FINISHED)
    parts = ["%d%%" % int(100 * batch["progress"]), "%d of %d done" % (done, batch["jobCount"])]
    for state in ("running", "queued", "retry_scheduled", "failed", "cancelled"):
        if counts.get(state):
            parts.append("%d %s" % (counts[state], state.replace("_", " ")))
    end = parse_time(batch.get("eta"))
    if end is not None and not batch["finished"]:
        parts.append("ETA %s" % duration(end - now()))
    return " · ".join(parts)


def render(batch):
    """A line per job: its id, state, progress and file name (and error code)."""
    lines = ["%s %s" % (batch["id"], summary(batch))]
    for job in batch.get("jobs", []):
        line = "  %-30s %-16s %3d%%  %s" % (job["id"], job["state"], int(100 * job["progress"]),
                                           job.get("fileName") or "")
        if job.get("error") and job["state"] in ERRED:
            line += "  (%s)" % job["error"]
        lines.append(printable(line).rstrip())
    return "\n".join(lines) + "\n"
