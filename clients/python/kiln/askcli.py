"""``python -m kiln search`` (your transcripts and documents, segment by segment) and ``ask`` (a
question answered from them, with its sources): docs/protocol.md, "Searching" and "Asking"."""

import json
import re
import uuid

from ._args import positive
from .display import printable, retrying_what, state_line

BOLD, PLAIN = "\x1b[1m", "\x1b[0m"


def add_parsers(commands, common):
    search = commands.add_parser("search", parents=[common], help="search your transcripts and documents")
    search.add_argument("query", nargs="+", metavar="QUERY", help="the words to find (every word, in text mode)")
    search.add_argument("--mode", choices=("text", "hybrid", "semantic"),
                        help="text (every word; the default), semantic (by meaning) or hybrid (both)")
    search.add_argument("--type", help="only jobs of this processor")
    search.add_argument("--limit", type=positive, default=20)
    search.add_argument("--json", action="store_true", help="print each hit as a JSON line")

    ask = commands.add_parser("ask", parents=[common], help="ask a question of your transcripts and documents")
    ask.add_argument("question", nargs="+", metavar="QUESTION")
    ask.add_argument("--job", dest="in_jobs", action="append", metavar="JOB", help="answer from this job's result only (repeatable)")
    ask.add_argument("--file", dest="in_files", action="append", metavar="FILE",
                     help="answer from results made from this file only (a file id; repeatable)")
    ask.add_argument("--conversation", metavar="ANSWER",
                     help="a follow-up of this answer (the job id `ask` printed)")
    ask.add_argument("--json", action="store_true", help="print the answer's result (answer, citations, …) as JSON")
    ask.add_argument("--poll", action="store_true", help="long-poll instead of Server-Sent Events")


def cmd_search(client, args, out, err):
    def page_seen(page):
        if page.get("reranked") is False:
            err.write("not reranked (%s): in fused order\n" % page.get("rerankFailure"))

    hits = client.search(" ".join(args.query), args.mode, args.type, args.limit, on_page=page_seen)
    bold = out.isatty() and not args.json
    for hit in hits:
        if args.json:
            out.write(json.dumps(hit, ensure_ascii=False) + "\n")
            continue
        where = [hit.get("fileName") or hit["jobType"], anchor(hit.get("anchor"))]
        out.write(printable("%s  %s  segment %s" % (hit["jobId"], " · ".join(w for w in where if w), hit["segment"])) + "\n")
        out.write("  %s\n" % snippet(hit.get("snippet"), hit.get("text", ""), bold))
    if not hits and not args.json:
        err.write("no hits\n")
    return 0


def snippet(pieces, text, bold=False):
    """The snippet on one line, its matched words bold on a terminal (pieces are text, never markup)."""
    shown = []
    for piece in pieces or [{"text": text}]:
        part = printable(re.sub(r"\s+", " ", piece.get("text", "")))
        shown.append(BOLD + part + PLAIN if bold and piece.get("match") else part)
    return "".join(shown).strip()


def anchor(where):
    """``1:23–1:31`` in a recording, ``p. 3`` or ``pp. 3–4`` in a document; empty when neither."""
    where = where or {}
    if where.get("startSeconds") is not None:
        start = clock(where["startSeconds"])
        return start if where.get("endSeconds") is None else "%s–%s" % (start, clock(where["endSeconds"]))
    first, last = where.get("pageFrom"), where.get("pageTo")
    if first is None:
        return ""
    return "p. %d" % first if last in (None, first) else "pp. %d–%d" % (first, last)


def clock(seconds):
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    return "%d:%02d:%02d" % (hours, rest // 60, rest % 60) if hours else "%d:%02d" % divmod(rest, 60)


def cmd_ask(client, args, out, err):
    """Asks, then follows the answer job: its text on stdout as it is written, status on stderr, its
    sources at the end; 0 when it was answered, else 1 (with ``--json``: the result once done)."""
    job = client.ask(" ".join(args.question), args.in_jobs, args.in_files, args.conversation, "cli-" + uuid.uuid4().hex)
    err.write("answer %s\n" % job["id"])  # what --conversation takes for a follow-up
    err.flush()
    writer = Answer(out, err, quiet=args.json)

    def retrying(error, delay):
        writer.status("%s; resuming in %.1f s" % (retrying_what(error), delay))

    # From its first event, not from the snapshot's seq: a POST sent again after a lost answer is
    # answered the job as it is by then, its first deltas (or all of them) already written.
    for event in client.follow(job["id"], 0, "poll" if args.poll else "sse", on_retry=retrying):
        writer.event(event)
    writer.end_line()
    state = writer.final_state
    if state not in ("succeeded", "failed", "cancelled"):
        state = client.job(job["id"])["state"]
    if state != "succeeded":
        writer.status(state)
        return 1
    result = json.loads(client.result(job["id"]).decode("utf-8"))
    if args.json:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    elif result.get("citations"):
        out.write("\n" + sources(result["citations"]))
    return 0


class Answer:
    """Writes an answer job's ``delta`` partials as they come; an attempt that fails midway is said
    on stderr and the next one's text starts on a new line."""

    def __init__(self, out, err, quiet=False):
        self.out, self.err, self.quiet = out, err, quiet
        self.open_line = False
        self.final_state = None

    def event(self, event):
        kind, data = event.get("kind"), event.get("data") or {}
        if kind == "partial" and isinstance(data.get("delta"), str) and not self.quiet:
            self.out.write(printable(data["delta"]))
            self.out.flush()
            self.open_line = not data["delta"].endswith("\n") if data["delta"] else self.open_line
        elif kind == "state":
            self.final_state = data.get("state")
            again = data.get("state") == "running" and data.get("attempt", 1) > 1
            if data.get("state") == "retry_scheduled" or again:
                self.status(state_line(data))
        elif kind == "error":
            self.status("error: %s: %s%s" % (data.get("code"), data.get("message"),
                                             "" if data.get("retryable") else " (not retryable)"))

    def status(self, text):
        self.end_line()
        self.err.write(text + "\n")
        self.err.flush()

    def end_line(self):
        if self.open_line:
            self.out.write("\n")
            self.out.flush()
            self.open_line = False


def sources(citations):
    """``[1] talk.wav · 1:23–1:31 (job_…, segment 4)``, a line per cited passage."""
    lines = []
    for c in citations:
        where = " · ".join(w for w in (c.get("fileName") or c.get("jobType") or "", anchor(c)) if w)
        lines.append("[%s] %s (%s, segment %s)" % (c.get("n"), where, c.get("jobId"), c.get("segment")))
    return printable("\n".join(lines)) + "\n"
