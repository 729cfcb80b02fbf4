"""``python -m kiln``: upload, submit, follow, list, cancel and download (results and result files),
batches of many files (:mod:`kiln.batchcli`), retry and delete (:mod:`kiln.jobcli`), search and ask
(:mod:`kiln.askcli`), webhooks (:mod:`kiln.webhookcli`), from the command line.

Exit codes: 0 done (a followed job succeeded), 1 a followed job (or an answer) failed or was
cancelled, Kiln refused the request (for ``delete``, ``delete-file`` and ``webhook-delete``, any of
their ids) or a local file could not be read or written, 2 a usage error, 130 interrupted, 141 the
output was closed (``… | head``)."""

import argparse
import json
import os
import sys
import uuid

from . import __version__, askcli, batchcli, jobcli, webhookcli
from ._args import UsageError, check_text, positive
from ._files import write_whole
from .client import Client
from .display import View, retrying_what
from .errors import KilnError
from .uploads import DEFAULT_CHUNK

OK, FAILED, USAGE, INTERRUPTED, CLOSED = 0, 1, 2, 130, 141


def parse_param(text):
    """``key=value``: the value is read as JSON when it is JSON (``5``, ``true``, ``[1,2]``,
    ``"5"``), else taken as a string (``model=en-us``)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise UsageError("--param takes key=value, not %r" % text)
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def params_of(pairs):
    params = {}
    for text in pairs or []:
        key, value = parse_param(text)
        params[key] = value
    return params


def build_parser():
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: given after the command, the options must not reset what was given before it.
    common.add_argument("--url", default=argparse.SUPPRESS, help="Kiln's URL (default: $KILN_URL)")
    common.add_argument("--token", default=argparse.SUPPRESS, help="API token (default: $KILN_TOKEN)")
    parser = argparse.ArgumentParser(prog="python -m kiln", parents=[common],
                                     description="Kiln from the command line.")
    parser.add_argument("--version", action="version", version="kiln-python %s" % __version__)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    submit = commands.add_parser("submit", parents=[common], help="upload a file (if any) and start a job")
    submit.add_argument("file", nargs="?", metavar="FILE", help="the input file")
    submit.add_argument("--processor", "-p", required=True, help="processor name (see GET /api/v1/processors)")
    submit.add_argument("--param", action="append", metavar="KEY=VALUE",
                        help="a parameter; the value is JSON if it parses as JSON, else a string")
    submit.add_argument("--no-input", action="store_true", help="the processor takes no file")
    submit.add_argument("--priority", type=int)
    submit.add_argument("--idempotency-key", help="with --no-input: the submission's key (default: a new one)")
    _follow_options(submit, "--follow", "-f")

    follow = commands.add_parser("follow", parents=[common], help="show a job's progress and partial results")
    follow.add_argument("job", metavar="JOB")
    follow.add_argument("--after", type=int, default=0, help="start after this seq (default: the whole log)")
    _follow_options(follow)

    jobs = commands.add_parser("jobs", parents=[common], help="list your jobs, newest first")
    jobs.add_argument("--state")
    jobs.add_argument("--type")
    jobs.add_argument("--file", metavar="FILE", help="only the jobs made from this file (its id)")
    jobs.add_argument("--limit", type=positive, default=20)
    jobs.add_argument("--json", action="store_true", help="print the snapshots as JSON lines")

    cancel = commands.add_parser("cancel", parents=[common], help="cancel a job")
    cancel.add_argument("job", metavar="JOB")

    result = commands.add_parser("result", parents=[common], help="download a job's result")
    result.add_argument("job", metavar="JOB")
    result.add_argument("--format", help="json (default) or one the processor offers (txt, srt, vtt, md, …)")
    result.add_argument("--file", metavar="NAME", help="download the result file NAME instead (see `files JOB`)")
    result.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")

    files = commands.add_parser("files", parents=[common], help="list a job's result files")
    files.add_argument("job", metavar="JOB")
    files.add_argument("--json", action="store_true", help="print each file as a JSON line")

    upload = commands.add_parser("upload", parents=[common], help="upload a file resumably; prints its id")
    upload.add_argument("file", metavar="FILE")
    upload.add_argument("--chunk-size", type=positive, default=DEFAULT_CHUNK, help=argparse.SUPPRESS)
    jobcli.add_parsers(commands, common, _follow_options)
    batchcli.add_parsers(commands, common, DEFAULT_CHUNK)
    askcli.add_parsers(commands, common)
    webhookcli.add_parsers(commands, common)
    return parser


def _follow_options(parser, *follow_flag):
    if follow_flag:
        parser.add_argument(*follow_flag, dest="follow", action="store_true", help="follow the job until it ends")
        parser.add_argument("--chunk-size", type=positive, default=DEFAULT_CHUNK, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print every event as a JSON line")
    parser.add_argument("--poll", action="store_true", help="long-poll instead of Server-Sent Events")


def main(argv=None, stdout=None, stderr=None, environ=None):
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    env = os.environ if environ is None else environ
    for stream in (out, err):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return USAGE if e.code not in (0, None) else OK
    client = None
    try:
        check_text(args)
        client = connect(args, env, err)
        return COMMANDS[args.command](client, args, out, err)
    except UsageError as e:
        err.write("kiln %s: %s\n" % (args.command, e))
        return USAGE
    except KilnError as e:
        err.write("kiln %s: %s\n" % (args.command, describe(e)))
        return FAILED
    except KeyboardInterrupt as e:
        err.write("\n")
        if e.args:  # what the cut left that the user must know (a request sent once, its answer unseen)
            err.write("kiln %s: %s\n" % (args.command, e.args[0]))
        return INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`… | head`): stop quietly, as a Unix tool does on SIGPIPE.
        _silence(out, err)
        return CLOSED
    except OSError as e:
        # A local file: -o into a missing directory, an input that cannot be read or changed midway.
        err.write("kiln %s: %s\n" % (args.command, _os_error(e)))
        return FAILED
    finally:
        if client is not None:
            client.close()


def _os_error(error):
    if error.filename is not None and error.strerror:
        return "%s: %s" % (error.filename, error.strerror)
    return error.strerror or str(error)


def _silence(*streams):
    """Points the closed stream(s) at /dev/null, so the interpreter's last flush raises nothing."""
    for stream in streams:
        try:
            stream.flush()
        except OSError:
            try:
                null = os.open(os.devnull, os.O_WRONLY)
            except OSError:
                continue
            try:
                os.dup2(null, stream.fileno())
            except (OSError, ValueError, AttributeError):
                pass
            finally:
                os.close(null)  # the stream's descriptor now points at /dev/null on its own


def connect(args, env, err=None):
    url = getattr(args, "url", None) or env.get("KILN_URL")
    token = getattr(args, "token", None) or env.get("KILN_TOKEN")
    if not url:
        raise UsageError("no Kiln URL: give --url or set KILN_URL")
    if not token:
        raise UsageError("no API token: give --token or set KILN_TOKEN")
    if not token.isascii():
        raise UsageError("the API token has characters no Kiln token has (kiln_ and letters and digits)")
    try:
        return Client(url, token, on_retry=None if err is None else _announce(err))
    except ValueError as e:
        raise UsageError(str(e))


def _announce(err):
    """Says on stderr what a retry waits for, when the wait is long enough to look like a hang. On a
    terminal the line first clears what is drawn in place there (an upload's or a batch's progress)."""
    clear = "\r\x1b[K" if err.isatty() else ""

    def waiting(error, delay):
        if delay >= 1.0:
            err.write("%s%s; again in %.1f s\n" % (clear, retrying_what(error), delay))
            err.flush()

    return waiting


def describe(error):
    if error.status is None:
        return "cannot reach Kiln: %s" % error.detail
    text = "%s [%s %s]" % (error.detail, error.status, error.code)
    problem = error.problem or {}
    for extra in ("errors", "known", "available", "accepted"):
        if extra in problem:
            text += "\n  %s: %s" % (extra, json.dumps(problem[extra], ensure_ascii=False))
    return text


def cmd_upload(client, args, out, err):
    file_id = _upload(client, args.file, args.chunk_size, err)
    out.write(file_id + "\n")
    return OK


def _upload(client, path, chunk_size, err, job=None):
    """The file's id, or with ``job`` (type, params, priority) the one-step flow's job snapshot."""
    if not os.path.isfile(path):
        raise UsageError("%s is not a file" % path)
    tty = err.isatty()

    def shown(offset, size):
        if tty:
            err.write("\r\x1b[Kuploading %s: %d%%" % (os.path.basename(path), offset * 100 // max(1, size)))
            err.flush()

    try:
        if job is None:
            return client.upload(path, chunk_size=chunk_size, on_progress=shown)
        return client.submit_file(path, job["type"], job["params"], job["priority"], chunk_size, shown)
    finally:
        if tty:
            err.write("\r\x1b[K")
            err.flush()


def cmd_submit(client, args, out, err):
    if args.no_input and args.file:
        raise UsageError("give FILE or --no-input, not both")
    if not args.no_input and not args.file:
        raise UsageError("give the input FILE (or --no-input for a processor that takes none)")
    params = params_of(args.param)
    if args.file:
        # One step: Kiln refuses a bad processor or params before the upload, and starts the job once.
        job = _upload(client, args.file, args.chunk_size, err,
                      {"type": args.processor, "params": params, "priority": args.priority})
    else:
        key = args.idempotency_key or "cli-" + uuid.uuid4().hex  # the CLI's own retries never submit twice
        job = client.submit(args.processor, None, params, key, args.priority)
    if not args.follow:
        out.write((json.dumps(job) if args.json else job["id"]) + "\n")
        return OK
    if not args.json:
        err.write("job %s submitted\n" % job["id"])
    return _follow(client, job["id"], 0, args, out, err)


def cmd_follow(client, args, out, err):
    if args.after < 0:
        raise UsageError("--after takes a seq, 0 or more")
    return _follow(client, args.job, args.after, args, out, err)


def _follow(client, job_id, after, args, out, err):
    view = View(out, err, tty=err.isatty() and not args.json, json_lines=args.json)

    def retrying(error, delay):
        view.notice("%s; resuming in %.1f s" % (retrying_what(error), delay))

    try:
        for event in client.follow(job_id, after, "poll" if args.poll else "sse", on_retry=retrying):
            view.event(event)
    finally:
        view.close()
    state = view.final_state
    if state not in ("succeeded", "failed", "cancelled"):
        state = client.job(job_id)["state"]  # the log was seen to its end before: ask the snapshot
        if not args.json:
            view.notice(state)
    return OK if state == "succeeded" else FAILED


def cmd_jobs(client, args, out, err):
    for job in client.jobs(args.state, args.type, args.limit, file_id=args.file):
        if args.json:
            out.write(json.dumps(job) + "\n")
            continue
        line = "%-30s %-18s %-16s" % (job["id"], job["type"], job["state"])
        if job["state"] == "running":
            line += " %3d%% %s" % (int(100 * (job.get("progress") or 0)), job.get("stage") or "")
        elif job.get("error") and job["state"] in batchcli.ERRED:
            line += " %s" % job["error"].get("code")
        out.write(line.rstrip() + "\n")
    return OK


def cmd_cancel(client, args, out, err):
    job = client.cancel(args.job)
    out.write("%s %s\n" % (job["id"], "cancel requested" if job["state"] == "running" else job["state"]))
    return OK


def cmd_files(client, args, out, err):
    for item in client.files(args.job):
        if args.json:
            out.write(json.dumps(item) + "\n")
        else:
            out.write("%-40s %12d  %s\n" % (item["name"], item["size"], item["mediaType"]))
    return OK


def cmd_result(client, args, out, err):
    if args.file is not None:
        if args.format is not None:
            raise UsageError("give --format or --file, not both")
        return _result_file(client, args, out, err)
    if args.output:
        # The output is opened first: one that cannot be written is named before anything is downloaded.
        written = write_whole(args.output, lambda f: f.write(client.result(args.job, args.format)))
        err.write("wrote %d bytes to %s\n" % (written, args.output))
    else:
        data = client.result(args.job, args.format)
        target = getattr(out, "buffer", None)
        if target is not None:
            out.flush()
            target.write(data)
            target.flush()
        else:
            out.write(data.decode("utf-8", "replace"))
    return OK


def _result_file(client, args, out, err):
    """Streams a result file to -o FILE (kept only when complete) or to stdout."""
    if not args.output:
        target = getattr(out, "buffer", None)
        if target is None:
            raise UsageError("stdout takes no bytes here: give -o FILE")
        out.flush()
        client.download_file(args.job, args.file, target)
        target.flush()
        return OK
    written = write_whole(args.output, lambda f: client.download_file(args.job, args.file, f))
    err.write("wrote %d bytes to %s\n" % (written, args.output))
    return OK


def cmd_batch(client, args, out, err):
    missing = [path for path in args.files if not os.path.isfile(path)]
    if missing:
        raise UsageError("%s is not a file" % missing[0])  # before any upload
    batchcli.check_processor(client, args.processor)
    return batchcli.cmd_batch(client, args, out, err, _upload, params_of(args.param), client.uploads)


COMMANDS = {
    "submit": cmd_submit,
    "follow": cmd_follow,
    "jobs": cmd_jobs,
    "cancel": cmd_cancel,
    "result": cmd_result,
    "files": cmd_files,
    "upload": cmd_upload,
    "batch": cmd_batch,
    "batch-show": batchcli.cmd_show,
    "batch-cancel": batchcli.cmd_cancel,
    "batch-retry": batchcli.cmd_retry,
    "batch-download": batchcli.cmd_download,
    "batches": batchcli.cmd_list,
    "retry": lambda client, args, out, err: jobcli.cmd_retry(client, args, out, err, _follow),
    "delete": jobcli.cmd_delete,
    "delete-file": jobcli.cmd_delete_file,
    "search": askcli.cmd_search,
    "ask": askcli.cmd_ask,
    "webhooks": webhookcli.cmd_list,
    "webhook-add": webhookcli.cmd_add,
    "webhook-delete": lambda client, args, out, err: webhookcli.cmd_delete(client, args, out, err, jobcli.each),
    "callback-secret": webhookcli.cmd_callback_secret,
    "webhook-deliveries": webhookcli.cmd_deliveries,
    "webhook-redeliver": webhookcli.cmd_redeliver,
}
