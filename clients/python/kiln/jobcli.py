"""The commands of ``python -m kiln`` that change jobs and files after the fact: ``retry`` a failed or
cancelled job, ``delete`` jobs and ``delete-file`` files (as the web app's library does)."""

import json

from .errors import KilnError


# What the command line offers where Kiln's answer names the API's way.
HINTS = {("delete-file", "file_in_use"): " (--with-jobs deletes them too)",
         ("delete", "job_running"): " (python -m kiln cancel JOB)"}


def add_parsers(commands, common, follow_options):
    """``follow_options(parser, *flag)`` adds what following a job takes (the CLI's own)."""
    retry = commands.add_parser("retry", parents=[common], help="retry a failed or cancelled job")
    retry.add_argument("job", metavar="JOB")
    follow_options(retry, "--follow", "-f")

    delete = commands.add_parser("delete", parents=[common],
                                 help="delete jobs with their events and results (not running ones)")
    delete.add_argument("jobs", nargs="+", metavar="JOB")

    delete_file = commands.add_parser("delete-file", parents=[common], help="delete uploaded files")
    delete_file.add_argument("file_ids", nargs="+", metavar="FILE", help="a file id (file_…)")
    delete_file.add_argument("--with-jobs", action="store_true",
                             help="delete the jobs made from each file too (else jobs waiting or running keep it)")


def cmd_retry(client, args, out, err, follow):
    """``follow(client, job_id, after, args, out, err)`` follows the job, the CLI's own way."""
    job = client.retry(args.job)
    if not args.follow:
        out.write((json.dumps(job) if args.json else "%s %s" % (job["id"], job["state"])) + "\n")
        return 0
    if not args.json:
        err.write("job %s %s\n" % (job["id"], job["state"]))
    # The retry's events come after the snapshot's seq: the earlier attempts' are not shown again.
    return follow(client, job["id"], job.get("seq", 0), args, out, err)


def cmd_delete(client, args, out, err):
    return each(args.jobs, client.delete_job, "delete", out, err)


def cmd_delete_file(client, args, out, err):
    return each(args.file_ids, lambda file_id: client.delete_file(file_id, args.with_jobs), "delete-file", out, err)


def each(ids, delete, command, out, err):
    """Deletes each id in turn: ``ID deleted`` on stdout, a refusal as one line on stderr, and on
    with the rest; 1 when any was refused. Kiln out of reach or overloaded (after the client's
    retries), or the token refused, ends it: the rest would only be refused the same way."""
    refused = False
    for item in dict.fromkeys(ids):  # an id given twice is deleted once
        try:
            delete(item)
        except KilnError as e:
            if e.transient or e.status in (401, 403):
                raise
            hint = HINTS.get((command, e.code), "")
            err.write("kiln %s: %s [%s %s]%s\n" % (command, e.detail, e.status, e.code, hint))
            err.flush()
            refused = True
            continue
        out.write("%s deleted\n" % item)
        out.flush()
    return 1 if refused else 0
