"""``retry``, ``delete``, ``delete-file``, ``jobs --file``, ``batches`` and ``--version``: the SDK's requests and the
command line's wording, exit codes and closed-pipe handling (end to end against a real Kiln:
PythonLibraryCliTest)."""

import contextlib
import io
import json
import unittest
from unittest import mock

import kiln
from kiln import Client, cli
from kiln.errors import KilnError

from .fakes import FakeHttp, answer, down, refused

ENV = {"KILN_URL": "http://127.0.0.1:9", "KILN_TOKEN": "t"}


def summary(id, state="succeeded", type="extract"):
    return {"id": id, "type": type, "state": state, "seq": 7}


def batch(id, name, **counts):
    every = {"queued": 0, "retry_scheduled": 0, "running": 0, "succeeded": 0, "failed": 0, "cancelled": 0}
    every.update(counts)
    total = sum(every.values())
    done = every["succeeded"] + every["failed"] + every["cancelled"]
    return {"id": id, "name": name, "type": "extract", "jobCount": total, "counts": every,
            "progress": done / total, "finished": done == total}


class JobCliTest(unittest.TestCase):

    def run_cli(self, handler, *argv, stdout=None):
        """Runs the command against a Client whose transport answers with ``handler``."""
        client = Client("http://kiln.test", "kiln_t")
        client.http = FakeHttp(handler)
        out, err = stdout or io.StringIO(), io.StringIO()
        with mock.patch.object(cli, "connect", return_value=client), mock.patch("kiln.client.time.sleep"):
            code = cli.main(list(argv), out, err, ENV)
        return code, out.getvalue() if stdout is None else "", err.getvalue(), client.http

    def test_retry_puts_the_job_back_and_prints_its_state(self):
        code, out, err, http = self.run_cli(lambda m, p, b: answer(202, summary("job_1", "queued")), "retry", "job_1")
        self.assertEqual((code, out, err), (0, "job_1 queued\n", ""))
        self.assertEqual(http.calls[0][:2], ("POST", "/api/v1/jobs/job_1/retry"))

    def test_a_job_that_cannot_be_retried_is_one_line_from_the_problem(self):
        detail = "Job job_1 is succeeded; only failed or cancelled jobs can be retried."
        code, out, err, _ = self.run_cli(lambda m, p, b: refused("job_not_retryable", 409, detail), "retry", "job_1")
        self.assertEqual((code, out), (1, ""))
        self.assertEqual(err, "kiln retry: %s [409 job_not_retryable]\n" % detail)

    def test_retry_follow_shows_the_new_attempt_only(self):
        events = [{"seq": 8, "kind": "state", "data": {"state": "running", "attempt": 1}},
                  {"seq": 9, "kind": "state", "data": {"state": "succeeded"}}]

        def handler(method, path, body):
            if method == "POST":
                return answer(202, summary("job_1", "queued"))
            return answer(200, {"items": [e for e in events if "after=7" in path], "next": 9})

        code, _, err, http = self.run_cli(handler, "retry", "job_1", "--follow", "--poll")
        self.assertEqual(code, 0)
        self.assertEqual(err, "job job_1 queued\nrunning (attempt 1)\nsucceeded\n")
        self.assertIn("after=7", http.calls[1][1], "the events after the retried snapshot's seq")

    def test_delete_goes_on_past_a_refusal_and_fails_if_any_was_refused(self):
        refusals = {"job_2": refused("job_running", 409, "Job job_2 is running; cancel it (POST /api/v1/jobs/job_2"
                                                         "/cancel), then delete it."),
                    "job_3": refused("job_not_found", 404, "No job job_3.")}

        def handler(method, path, body):
            return refusals.get(path.rsplit("/", 1)[1]) or answer(204)

        code, out, err, http = self.run_cli(handler, "delete", "job_1", "job_2", "job_3", "job_4", "job_1")
        self.assertEqual(code, 1)
        self.assertEqual(out, "job_1 deleted\njob_4 deleted\n")
        self.assertEqual(err.splitlines(), [
            "kiln delete: Job job_2 is running; cancel it (POST /api/v1/jobs/job_2/cancel), then delete it."
            " [409 job_running] (python -m kiln cancel JOB)",
            "kiln delete: No job job_3. [404 job_not_found]"])
        self.assertEqual(http.paths("DELETE"), ["/api/v1/jobs/job_%d" % i for i in (1, 2, 3, 4)],
                         "each once, in order")
        code, out, _, _ = self.run_cli(lambda m, p, b: answer(204), "delete", "job_1", "job_4")
        self.assertEqual((code, out), (0, "job_1 deleted\njob_4 deleted\n"))

    def test_kiln_out_of_reach_or_a_refused_token_ends_the_deletions(self):
        for failure, said in ((down(), "cannot reach Kiln"), (refused("unauthenticated", 401, "No token."),
                                                               "No token. [401 unauthenticated]")):
            code, out, err, http = self.run_cli(lambda m, p, b: failure, "delete", "job_1", "job_2")
            self.assertEqual((code, out), (1, ""))
            self.assertIn(said, err)
            self.assertNotIn("job_2", " ".join(http.paths()), "the rest would be refused the same way")

    def test_a_deletion_sent_again_that_finds_its_own_earlier_one_done_counts_as_deleted(self):
        # The first sending deleted it, its answer lost (a dropped connection, a proxy's 502 or 504);
        # the one sent again is answered not found.
        for argv, gone in ((["delete", "job_1"], "job_not_found"), (["delete-file", "file_1"], "file_not_found"),
                           (["webhook-delete", "wh_1"], "webhook_not_found")):
            for lost in (down(), refused("http_502", 502, "Bad Gateway"), refused("http_504", 504, "Timeout")):
                sent = []

                def handler(method, path, body):
                    sent.append(path)
                    return lost if len(sent) == 1 else refused(gone, 404, "No such thing.")

                code, out, err, http = self.run_cli(handler, *argv)
                self.assertEqual((code, out, err), (0, "%s deleted\n" % argv[1], ""), (argv, lost))
                self.assertEqual(len(http.paths("DELETE")), 2)
        # Sent once, or again after a 429 or 503 (where Kiln did nothing), not found is still a refusal.
        for first in (None, refused("rate_limited", 429, "Too many."), refused("shutting_down", 503, "Later.")):
            sent = []

            def once(method, path, body):
                sent.append(path)
                return first if first is not None and len(sent) == 1 else refused("job_not_found", 404, "No job job_1.")

            code, out, err, _ = self.run_cli(once, "delete", "job_1")
            self.assertEqual((code, out, err), (1, "", "kiln delete: No job job_1. [404 job_not_found]\n"), first)

    def test_a_retry_sent_again_that_finds_the_job_back_in_the_queue_is_done(self):
        for now in ("queued", "running", "retry_scheduled"):
            sent = []

            def handler(method, path, body):
                if method == "GET":
                    return answer(200, summary("job_1", now))
                sent.append(path)
                if len(sent) == 1:
                    return refused("http_504", 504, "Gateway Timeout")
                return KilnError(409, "job_not_retryable", "Job job_1 is %s; only failed or cancelled jobs can be"
                                 " retried." % now, {"code": "job_not_retryable", "state": now})

            code, out, err, http = self.run_cli(handler, "retry", "job_1")
            self.assertEqual((code, out, err), (0, "job_1 %s\n" % now, ""), now)
            self.assertEqual(http.paths(), ["/api/v1/jobs/job_1/retry"] * 2 + ["/api/v1/jobs/job_1"])
        # A job that has ended is not taken for one the first sending retried, nor is any refusal sent once.
        for first in (down(), None):
            sent = []

            def refusing(method, path, body):
                sent.append(path)
                if first is not None and len(sent) == 1:
                    return first
                return KilnError(409, "job_not_retryable", "Job job_1 is succeeded.",
                                 {"code": "job_not_retryable", "state": "queued" if first is None else "succeeded"})

            code, out, err, _ = self.run_cli(refusing, "retry", "job_1")
            self.assertEqual((code, out), (1, ""))
            self.assertIn("[409 job_not_retryable]", err)

    def test_delete_file_with_or_without_its_jobs(self):
        in_use = refused("file_in_use", 409, "Jobs waiting or running need file file_1 (job_9); cancel them,"
                                             " or delete them with it (?jobs=delete).")
        code, out, err, http = self.run_cli(lambda m, p, b: in_use if p == "/api/v1/files/file_1" else answer(204),
                                            "delete-file", "file_1", "file_2")
        self.assertEqual((code, out), (1, "file_2 deleted\n"))
        self.assertEqual(err, "kiln delete-file: %s [409 file_in_use] (--with-jobs deletes them too)\n" % in_use.detail)
        code, out, _, http = self.run_cli(lambda m, p, b: answer(204), "delete-file", "file_1", "--with-jobs")
        self.assertEqual((code, out, http.paths()), (0, "file_1 deleted\n", ["/api/v1/files/file_1?jobs=delete"]))

    def test_the_jobs_made_from_a_file_are_listed_page_by_page(self):
        pages = {None: {"items": [summary("job_3"), summary("job_2", "failed")], "nextCursor": "c1"},
                 "c1": {"items": [summary("job_1")], "nextCursor": None}}

        def handler(method, path, body):
            return answer(200, pages[path.partition("cursor=")[2] or None])

        code, out, err, http = self.run_cli(handler, "jobs", "--file", "file_1", "--limit", "3")
        self.assertEqual((code, err), (0, ""))
        self.assertEqual([line.split()[0] for line in out.splitlines()], ["job_3", "job_2", "job_1"])
        self.assertEqual(http.paths(),
                         ["/api/v1/jobs?file=file_1&limit=3", "/api/v1/jobs?file=file_1&limit=1&cursor=c1"])
        client = Client("http://kiln.test", "kiln_t")
        client.http = FakeHttp(handler)
        self.assertEqual([job["id"] for job in client.jobs(file_id="file_1")], ["job_3", "job_2", "job_1"])

    def test_batches_are_listed_page_by_page_up_to_the_limit(self):
        pages = {None: {"items": [batch("batch_1", "talks", succeeded=2, failed=1)], "nextCursor": "c1"},
                 "c1": {"items": [batch("batch_2", "scans", running=1, queued=1)], "nextCursor": "c2"}}

        def handler(method, path, body):
            cursor = path.partition("cursor=")[2] or None
            return answer(200, pages[cursor])

        code, out, err, http = self.run_cli(handler, "batches", "--limit", "2")
        self.assertEqual(code, 0)
        self.assertEqual(out.splitlines(), [
            "batch_1                        extract          100% · 3 of 3 done · 1 failed  talks",
            "batch_2                        extract          0% · 0 of 2 done · 1 running · 1 queued  scans"])
        self.assertEqual(http.paths(), ["/api/v1/batches?limit=2", "/api/v1/batches?limit=1&cursor=c1"])
        code, out, _, _ = self.run_cli(handler, "batches", "--json", "--limit", "1")
        self.assertEqual([json.loads(line)["id"] for line in out.splitlines()], ["batch_1"])

    def test_a_list_whose_reader_went_away_ends_quietly(self):
        class ClosedPipe(io.StringIO):
            def write(self, text):
                raise BrokenPipeError(32, "Broken pipe")

        code, _, err, _ = self.run_cli(lambda m, p, b: answer(200, {"items": [batch("batch_1", "a", queued=1)]}),
                                       "batches", stdout=ClosedPipe())
        self.assertEqual((code, err), (141, ""))

    def test_the_version_is_the_clients(self):
        shown = io.StringIO()
        with contextlib.redirect_stdout(shown):
            code = cli.main(["--version"], io.StringIO(), io.StringIO(), {})
        self.assertEqual((code, shown.getvalue()), (0, "kiln-python %s\n" % kiln.__version__))

    def test_ids_that_cannot_be_sent_are_named_as_the_command_line_names_them(self):
        latin1 = "caf\udce9"  # bytes that are not UTF-8, as argv hands them over
        for argv, said in ((["delete", "job_1", latin1], "JOB is not UTF-8"),
                           (["delete-file", latin1], "FILE is not UTF-8"),
                           (["ask", "why", "--job", latin1], "--job is not UTF-8"),
                           (["search", latin1], "QUERY is not UTF-8")):
            code, _, err, http = self.run_cli(lambda m, p, b: answer(204), *argv)
            self.assertEqual((code, http.calls), (2, []), argv)
            self.assertIn(said, err)


if __name__ == "__main__":
    unittest.main()
