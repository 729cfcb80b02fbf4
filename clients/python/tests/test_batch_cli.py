import argparse
import errno
import io
import json
import os
import select
import subprocess
import sys
import tempfile
import time
import unittest
from unittest import mock

from kiln import Client, batchcli, cli
from kiln.errors import KilnError, KilnUnavailable
from kiln.uploads import TIMES, UploadStore

from . import NO_NON_UTF8_TEXT
from .fakes import FakeHttp, answer


def batch(finished=False, **counts):
    every = {"queued": 0, "retry_scheduled": 0, "running": 0, "succeeded": 0, "failed": 0, "cancelled": 0}
    every.update(counts)
    total = sum(every.values())
    done = every["succeeded"] + every["failed"] + every["cancelled"]
    return {"id": "batch_1", "type": "transcribe", "jobCount": total, "counts": every,
            "progress": done / total, "finished": finished,
            "jobs": [{"id": "job_%d" % i, "state": "queued", "progress": 0.0, "fileName": "f%d.wav" % i}
                     for i in range(total)]}


class FakeClient:
    """Answers the batch as it is at each read, in turn; records what was made."""

    def __init__(self, states):
        self.states = list(states)
        self.reads = 0
        self.made = None

    def batch(self, batch_id):
        self.reads += 1
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        if isinstance(state, Exception):
            raise state
        return state

    def create_batch(self, type, file_ids, params=None, name=None, idempotency_key=None, reuse=None):
        self.made = {"type": type, "files": file_ids, "params": params, "name": name, "key": idempotency_key}
        return self.states[0]


class BatchCliTest(unittest.TestCase):

    def test_the_summary_counts_what_is_done_and_what_is_not(self):
        b = batch(running=1, succeeded=1, failed=1)
        b["eta"] = "2026-12-05T03:01:40.123456789Z"  # as Kiln writes it
        at = 1796439600.0  # 2026-12-05T03:00:00Z
        self.assertEqual(batchcli.summary(b, now=lambda: at), "66% · 2 of 3 done · 1 running · 1 failed · ETA 1m40s")
        self.assertEqual(batchcli.summary(b, now=lambda: at + 200), "66% · 2 of 3 done · 1 running · 1 failed · ETA 0s")
        self.assertIn("  job_1                          queued             0%  f1.wav", batchcli.render(b))

    def test_a_file_line_shows_an_error_only_where_it_explains_the_state(self):
        b = batch(True, succeeded=1, failed=1)
        b["jobs"][0].update(state="succeeded", progress=1.0, error="lease_expired")  # on its 2nd attempt
        b["jobs"][1].update(state="failed", error="media_unreadable")
        lines = batchcli.render(b).splitlines()
        self.assertTrue(lines[1].endswith("100%  f0.wav"), lines[1])
        self.assertTrue(lines[2].endswith("0%  f1.wav  (media_unreadable)"), lines[2])

    def test_a_files_name_is_shown_not_obeyed(self):
        b = batch(True, succeeded=1)
        b["jobs"][0]["fileName"] = "x\x1b]0;title\x07.wav"
        self.assertTrue(batchcli.render(b).splitlines()[1].endswith("x\ufffd]0;title\ufffd.wav"))

    def test_a_batch_is_named_after_its_first_file(self):
        self.assertEqual(batchcli.default_name(["/a/talk.wav", "b.wav", "c.wav"]), "talk.wav and 2 more")
        self.assertEqual(batchcli.default_name(["/a/talk.wav"]), "talk.wav")
        # Kiln takes a name of one line, at most 200 characters, without control characters.
        self.assertEqual(batchcli.default_name(["/a/x\x1b[31m\nred.wav", "b"]), "x\ufffd[31m\ufffdred.wav and 1 more")
        long = "\U0001f3a4" * 100 + "a" * 55 + ".wav"  # 259 of Java's characters
        named = batchcli.default_name(["/a/" + long, "b", "c"])
        self.assertEqual(named, "\U0001f3a4" * 94 + "\u2026 and 2 more")
        self.assertEqual(len(named.encode("utf-16-le")) // 2, 200)
        self.assertEqual(batchcli.default_name(["/a/" + "b" * 250])[-3:], "bb\u2026")
        self.assertEqual(batchcli.default_name(["/a/ ", "b"]), None, "nothing of it left: no name")
        if not NO_NON_UTF8_TEXT:
            self.assertEqual(batchcli.default_name([os.fsdecode(b"/a/caf\xe9.wav")]), "caf\ufffd.wav")  # not UTF-8

    def test_following_reads_until_finished_and_exits_by_whether_all_succeeded(self):
        client = FakeClient([batch(queued=2), batch(running=1, succeeded=1), batch(True, succeeded=2)])
        args = argparse.Namespace(json=False)
        out, err, slept = io.StringIO(), io.StringIO(), []
        code = batchcli._follow(client, "batch_1", args, out, err, sleep=slept.append)
        self.assertEqual((code, client.reads, slept), (0, 3, [1.0, 1.0]))
        self.assertEqual(err.getvalue().splitlines()[-1], "batch_1 100% · 2 of 2 done")
        failed = FakeClient([batch(True, succeeded=1, failed=1)])
        self.assertEqual(batchcli._follow(failed, "batch_1", args, io.StringIO(), io.StringIO(), sleep=None), 1)

    def test_following_goes_on_while_kiln_restarts_and_stops_only_for_a_refusal(self):
        restart = [KilnUnavailable("connection refused")] * 8 + [KilnError(503, "shutting_down", "draining", retry_after=2)]
        client = FakeClient([batch(queued=2)] + restart + [batch(True, succeeded=2)])
        args = argparse.Namespace(json=False)
        err, slept = io.StringIO(), []
        code = batchcli._follow(client, "batch_1", args, io.StringIO(), err, sleep=slept.append)
        self.assertEqual(code, 0, "the batch succeeded: a restart is not a failure")
        self.assertEqual(client.reads, 11)
        self.assertEqual(len(slept), 10)
        self.assertEqual(slept[-1], 2, "Retry-After is waited out")
        self.assertTrue(all(delay <= 30 for delay in slept))
        self.assertIn("cannot reach Kiln (connection refused); again in", err.getvalue())
        gone = FakeClient([batch(queued=1), KilnError(404, "batch_not_found", "No batch")])
        with self.assertRaises(KilnError):
            batchcli._follow(gone, "batch_1", args, io.StringIO(), io.StringIO(), sleep=lambda s: None)

    def test_following_through_an_outage_says_each_wait_once_with_one_backoff(self):
        draining = KilnError(503, "shutting_down", "draining", retry_after=2)
        script = [draining] * 4 + [answer(200, batch(True, succeeded=1))]
        err, slept = io.StringIO(), []
        client = Client("http://kiln.test", "kiln_t", on_retry=cli._announce(err))
        client.http = FakeHttp(lambda method, path, body: script.pop(0))
        with mock.patch("kiln.client.time.sleep") as inner:
            code = batchcli._follow(client, "batch_1", argparse.Namespace(json=False), io.StringIO(), err,
                                    sleep=slept.append)
        self.assertEqual((code, slept, inner.call_count), (0, [2, 2, 2, 2], 0), "the follow loop's waits only")
        waits = [line for line in err.getvalue().splitlines() if "again in" in line]
        self.assertEqual(waits, ["Kiln answered 503 shutting_down (draining); again in 2.0 s"] * 4)
        self.assertEqual(client.retries, 3, "the client's other requests keep their retries")

    def test_batch_uploads_every_file_then_makes_one_batch_with_a_key(self):
        client = FakeClient([batch(queued=2)])
        uploaded = []
        args = cli.build_parser().parse_args(["batch", "a.wav", "b.wav", "-p", "transcribe", "--param", "model=en"])
        out = io.StringIO()
        code = batchcli.cmd_batch(client, args, out, io.StringIO(),
                                  lambda c, path, chunk, err: uploaded.append(path) or "file_" + path[0],
                                  cli.params_of(args.param))
        self.assertEqual(code, 0)
        self.assertEqual(uploaded, ["a.wav", "b.wav"])
        self.assertEqual(client.made["files"], ["file_a", "file_b"])
        self.assertEqual((client.made["type"], client.made["params"], client.made["name"]),
                         ("transcribe", {"model": "en"}, "a.wav and 1 more"))
        self.assertTrue(client.made["key"].startswith("cli-"))
        self.assertEqual(out.getvalue(), "batch_1\n")

    def test_a_processor_kiln_does_not_have_is_refused_before_any_upload(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "talk.wav")
            with open(path, "w") as f:
                f.write("x")
            processors = {"items": [{"name": "transcribe"}, {"name": "extract"}]}
            client = Client("http://kiln.test", "kiln_t", cache=os.path.join(d, "cache"))
            client.http = FakeHttp(lambda method, p, body, headers=None: answer(200, processors))
            err = io.StringIO()
            with mock.patch.object(cli, "connect", return_value=client):
                code = cli.main(["batch", path, "-p", "transcibe"], io.StringIO(), err, {})
            self.assertEqual(code, 1)
            self.assertEqual(err.getvalue(), "kiln batch: There is no processor named 'transcibe'. [400 unknown_processor]\n"
                                             '  known: ["transcribe", "extract"]\n')
            self.assertEqual(client.http.paths(), ["/api/v1/processors"], "nothing uploaded")

    def test_a_file_whose_upload_is_refused_is_named(self):
        def upload(client, path, chunk, err):
            if path == "empty.txt":
                raise KilnError(400, "empty_file", "An upload needs at least one byte.")
            return "file_" + path[0]

        client = FakeClient([batch(queued=2)])
        args = cli.build_parser().parse_args(["batch", "a.wav", "empty.txt", "-p", "transcribe"])
        with self.assertRaises(KilnError) as raised:
            batchcli.cmd_batch(client, args, io.StringIO(), io.StringIO(), upload, {})
        self.assertEqual((raised.exception.status, raised.exception.code, raised.exception.detail),
                         (400, "empty_file", "empty.txt: An upload needs at least one byte."))
        self.assertIsNone(client.made)

    def test_a_refused_token_is_not_put_on_a_file(self):
        for status, code in ((401, "unauthenticated"), (403, "forbidden")):
            def upload(client, path, chunk, err):
                raise KilnError(status, code, "Refused.")

            args = cli.build_parser().parse_args(["batch", "a.wav", "b.wav", "-p", "transcribe"])
            with self.assertRaises(KilnError) as raised:
                batchcli.cmd_batch(FakeClient([batch(queued=2)]), args, io.StringIO(), io.StringIO(), upload, {})
            self.assertEqual((raised.exception.status, raised.exception.detail), (status, "Refused."))

    def test_usage_errors_exit_2_before_anything_is_sent(self):
        env = {"KILN_URL": "http://127.0.0.1:9", "KILN_TOKEN": "t"}
        with tempfile.TemporaryDirectory() as d:
            real = os.path.join(d, "a.txt")
            open(real, "w").close()
            code = cli.main(["batch", real, os.path.join(d, "missing.txt"), "-p", "x"], io.StringIO(), io.StringIO(), env)
        self.assertEqual(code, 2)
        self.assertEqual(cli.main(["batch", "-p", "x"], io.StringIO(), io.StringIO(), env), 2)
        self.assertEqual(cli.main(["batch-download", "batch_1"], io.StringIO(), io.StringIO(), env), 2)
        with mock.patch("kiln.client.time.sleep") as slept:  # the retries' backoff, not waited out
            self.assertEqual(cli.main(["batch-show", "batch_1"], io.StringIO(), io.StringIO(), env), 1)  # unreachable
        self.assertEqual(slept.call_count, 3)


class KeptFiles(FakeClient):
    """Kiln's files, by id, as ``GET /api/v1/files/{id}`` answers them; the batches it was asked for."""

    url = "http://kiln.test"

    def __init__(self):
        super().__init__([batch(queued=2)])
        self.kept, self.asked, self.made_with = {}, [], []

    def file(self, file_id):
        self.asked.append(file_id)
        if file_id not in self.kept:
            raise KilnError(404, "file_not_found", "No file " + file_id)
        return {"id": file_id, "size": self.kept[file_id]}

    def create_batch(self, type, file_ids, params=None, name=None, idempotency_key=None, reuse=None):
        self.made_with.append((list(file_ids), idempotency_key))
        return super().create_batch(type, file_ids, params, name, idempotency_key, reuse)


class CutBatchRunTest(unittest.TestCase):
    """A ``batch`` command cut short, run again: what it had uploaded is used again, the partial
    upload resumes (the upload cache's business), and the batch is asked for with the same key."""

    def setUp(self):
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        self.paths = []
        for name in ("a.txt", "b.txt"):
            self.paths.append(os.path.join(d.name, name))
            with open(self.paths[-1], "w") as f:
                f.write(name)
        self.store = UploadStore(os.path.join(d.name, "cache"))
        self.kiln = KeptFiles()
        self.sent = []

    def run_batch(self, cut=None):
        def upload(client, path, chunk, err):
            if path == cut:
                raise KeyboardInterrupt
            self.sent.append(path)
            file_id = "file_%d" % (len(self.kiln.kept) + 1)
            self.kiln.kept[file_id] = os.path.getsize(path)
            return file_id

        args = cli.build_parser().parse_args(["batch"] + self.paths + ["-p", "extract"])
        err = io.StringIO()
        batchcli.cmd_batch(self.kiln, args, io.StringIO(), err, upload, {}, self.store)
        return err.getvalue()

    def test_a_run_cut_after_one_upload_uploads_only_the_rest_when_run_again(self):
        with self.assertRaises(KeyboardInterrupt):
            self.run_batch(cut=self.paths[1])
        said = self.run_batch()
        self.assertEqual(self.sent, self.paths, "a.txt once, then b.txt")
        self.assertIn("a.txt: uploaded before (file_1)", said)
        self.assertEqual(self.kiln.asked, ["file_1"])
        self.assertEqual(self.kiln.made_with[0][0], ["file_1", "file_2"])

    def test_a_file_kiln_no_longer_has_is_uploaded_again(self):
        with self.assertRaises(KeyboardInterrupt):
            self.run_batch(cut=self.paths[1])
        del self.kiln.kept["file_1"]  # deleted meanwhile (or another token's)
        self.run_batch()
        self.assertEqual(self.sent, [self.paths[0], self.paths[0], self.paths[1]])
        self.kiln.kept["file_9"] = 99
        with open(self.paths[0], "a") as f:
            f.write("changed")  # another size and time: another file, never asked about
        self.run_batch()
        self.assertEqual(self.kiln.asked, ["file_1"])

    def test_another_tokens_run_is_not_taken_up(self):
        with self.assertRaises(KeyboardInterrupt):
            self.run_batch(cut=self.paths[1])
        self.kiln.http = argparse.Namespace(token="kiln_another")  # an admin's, say: it reads any file
        self.run_batch()
        self.assertEqual(self.sent, [self.paths[0]] * 2 + [self.paths[1]])
        self.assertEqual(self.kiln.asked, [], "not even asked about")

    def test_the_same_command_after_a_cut_asks_for_the_batch_with_the_same_key(self):
        self.kiln.create_batch = mock.Mock(side_effect=[KilnUnavailable("connection reset"), batch(queued=2)])
        with self.assertRaises(KilnUnavailable):  # made by Kiln, or not: the answer was lost
            self.run_batch()
        self.run_batch()
        (first, second) = [c.args for c in self.kiln.create_batch.call_args_list]
        self.assertEqual(self.sent, self.paths, "nothing uploaded twice")
        self.assertEqual(first, second, "the same request, with the same Idempotency-Key")
        self.assertTrue(first[4].startswith("cli-"))

    def test_a_command_that_did_its_work_forgets_it(self):
        self.run_batch()
        self.run_batch()
        self.assertEqual(self.sent, self.paths * 2, "run again on purpose: uploaded again")
        self.assertNotEqual(self.kiln.made_with[0][1], self.kiln.made_with[1][1], "a new batch")
        left = [key for key in self.store._read() if key != TIMES]
        self.assertEqual([key.split("|")[0] for key in left], ["ran"], "only which batch it made, for an hour")

    def test_a_batch_an_earlier_run_made_is_not_taken_whatever_its_clock_said(self):
        self.run_batch()
        (ran,) = [key for key in self.store._read() if key.startswith("ran|")]
        # written by a machine sharing the cache whose clock is ahead of this one's
        self.store.put(ran, {"batch": "batch_earlier", "at": time.time() + 300})
        self.run_batch()
        self.assertEqual(len(self.kiln.made_with), 2, "a batch of its own")

    def test_a_cache_on_a_file_system_without_locks_still_makes_the_batch(self):
        def no_locks(*args):
            raise OSError(errno.ENOLCK, "No locks available")

        with mock.patch("fcntl.lockf", no_locks), mock.patch("fcntl.flock", no_locks):
            said = self.run_batch()
        self.assertEqual(len(self.kiln.made_with), 1)
        self.assertNotIn("waiting", said)


class SameRunTwiceTest(unittest.TestCase):
    """Two identical ``batch`` commands started at the same moment make one batch between them."""

    def setUp(self):
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        self.paths = []
        for name in ("a.txt", "b.txt"):
            self.paths.append(os.path.join(d.name, name))
            with open(self.paths[-1], "w") as f:
                f.write(name[0] * 5)
        self.cache = os.path.join(d.name, "cache")

    def start(self):
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        run = subprocess.Popen([sys.executable, "-m", "tests.concurrent_batch", self.cache] + self.paths, cwd=here,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True)
        self.addCleanup(lambda: run.poll() is None and run.kill())
        self.addCleanup(lambda: [stream.close() for stream in (run.stdin, run.stdout, run.stderr)])
        return run

    def started_second(self):
        """The first uploading a.txt, the second started meanwhile and waiting for it."""
        first = self.start()
        self.assertEqual(first.stdout.readline().strip(), "uploading " + self.paths[0])
        second = self.start()
        ready, _, _ = select.select([second.stdout, second.stderr], [], [], 60)
        said = (second.stderr if second.stderr in ready else second.stdout).readline()
        self.assertIn("the same batch command is running; waiting for its batch", said)
        return first, second

    def test_the_second_waits_for_the_firsts_batch_and_takes_it(self):
        first, second = self.started_second()
        first.stdin.write("\n\n")
        first.stdin.flush()
        made = json.loads(first.communicate(timeout=60)[0].splitlines()[-1])
        output, errors = second.communicate(timeout=60)
        taken = json.loads(output.splitlines()[-1])
        self.assertEqual(len(made["made"]), 1)
        self.assertEqual((taken["made"], taken["printed"], taken["read"]), ([], made["printed"], [made["printed"]]))
        self.assertIn("batch %s was made by the same command running alongside" % made["printed"], errors)
        self.assertEqual([first.returncode, second.returncode], [0, 0])

    def test_the_second_takes_up_the_firsts_run_when_it_dies(self):
        first, second = self.started_second()
        first.stdin.write("\n")  # a.txt is in
        first.stdin.flush()
        self.assertEqual(first.stdout.readline().strip(), "uploading " + self.paths[1])
        first.kill()
        first.wait()
        self.assertEqual(second.stdout.readline().strip(), "uploading " + self.paths[1], "b.txt only")
        output, errors = second.communicate("\n", timeout=60)
        taken = json.loads(output.splitlines()[-1])
        self.assertEqual(taken["made"], [["file_%d_a.txt" % first.pid, "file_%d_b.txt" % second.pid]])
        self.assertIn("a.txt: uploaded before (file_%d_a.txt)" % first.pid, errors)


if __name__ == "__main__":
    unittest.main()
