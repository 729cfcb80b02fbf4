import base64
import email.utils
import json
import os
import subprocess
import sys
import tempfile
import unittest

from kiln import Client
from kiln.errors import KilnError
from kiln.uploads import EXPIRY_GRACE, MAX_AGE, RENEW_AFTER, TIMES, UploadStore, file_name, upload

from . import NO_NON_UTF8_FILES
from .fakes import FakeHttp, answer, down


class TusServer:
    """Just enough of a tus server's bookkeeping to drive the client's decisions."""

    def __init__(self, size, failures=(), job=None):
        self.size = size
        self.job = job
        self.created = []
        self.offset = 0
        self.failures = list(failures)  # answers to give PATCHes instead of taking them

    def __call__(self, method, path, body, headers=None):
        if method == "POST":
            self.created.append(headers)
            return answer(201, headers={"Location": "/api/v1/uploads/upl_1"})
        done = {"Kiln-File-Id": "file_1", "Kiln-Job-Id": self.job} if self.offset == self.size else {}
        if method == "HEAD":
            return answer(200, headers=dict({"Upload-Offset": str(self.offset)}, **done))
        if self.failures:
            failure = self.failures.pop(0)
            if failure == "half":  # the connection dropped after half the chunk was kept
                self.offset += 3
                return down()
            return failure
        self.offset += len(body)
        done = {"Kiln-File-Id": "file_1", "Kiln-Job-Id": self.job} if self.offset == self.size else {}
        return answer(204, headers=dict({"Upload-Offset": str(self.offset)}, **done))


class UploadTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.file = os.path.join(self.dir.name, "talk.txt")
        with open(self.file, "wb") as f:
            f.write(b"0123456789" * 2)
        self.store = UploadStore(os.path.join(self.dir.name, "cache"))

    def run_upload(self, server, job=None):
        http = FakeHttp(server)
        file_id, job_id = upload(http, self.file, self.store, chunk_size=10, sleep=lambda s: None, job=job)
        self.assertEqual(job_id, None if job is None else "job_1")
        return file_id, http

    def test_an_upload_goes_on_from_the_servers_offset_after_drops_and_refusals(self):
        server = TusServer(20, ["half", KilnError(409, "offset_mismatch", "no"), KilnError(503, "shutting_down", "x")])
        file_id, http = self.run_upload(server)
        self.assertEqual(file_id, "file_1")
        offsets = [c[3]["Upload-Offset"] for c in http.calls if c[0] == "PATCH"]
        self.assertEqual(offsets, ["0", "3", "3", "3", "13"])
        self.assertEqual(self.store.get(UploadStore.key(http.url, self.file)), None, "forgotten once done")

    def test_an_upload_whose_stored_bytes_were_lost_is_sent_again_from_zero(self):
        server = TusServer(20)
        answered = []

        def lost(method, path, body, headers=None):
            if method == "PATCH" and server.offset == 10 and not answered:
                answered.append(True)
                server.offset = 0  # the server discarded what it had
                return KilnError(409, "upload_lost", "lost")
            return server(method, path, body, headers)

        file_id, http = self.run_upload(lost)
        self.assertEqual(file_id, "file_1")
        offsets = [c[3]["Upload-Offset"] for c in http.calls if c[0] == "PATCH"]
        self.assertEqual(offsets, ["0", "10", "0", "10"])

    def test_an_unfinished_upload_is_found_again_by_the_next_process(self):
        server = TusServer(20, [KilnError(400, "invalid_field", "bad")])
        with self.assertRaises(KilnError):
            self.run_upload(server)
        server.offset = 10
        file_id, http = self.run_upload(server)
        self.assertEqual(file_id, "file_1")
        self.assertEqual([(c[0], c[3].get("Upload-Offset")) for c in http.calls], [("HEAD", None), ("PATCH", "10")])

    def test_an_upload_the_server_no_longer_has_starts_again(self):
        key = UploadStore.key("http://kiln.test", self.file)
        self.store.put(key, "/api/v1/uploads/upl_gone")

        def server(method, path, body):
            if path.endswith("upl_gone"):
                return KilnError(404, "upload_not_found", "gone")
            return TusServer(20)(method, path, body) if method != "PATCH" else answer(
                204, headers={"Upload-Offset": "20", "Kiln-File-Id": "file_2"})

        file_id, http = self.run_upload(server)
        self.assertEqual(file_id, "file_2")
        self.assertEqual([c[0] for c in http.calls], ["HEAD", "POST", "PATCH"])

    def test_the_one_step_flow_names_the_job_in_the_metadata_and_resumes_to_the_same_job(self):
        job = {"type": "transcribe", "params": {"model": "en-us"}, "priority": -5}
        server = TusServer(20, [KilnError(400, "invalid_field", "bad")], job="job_1")
        with self.assertRaises(KilnError):
            self.run_upload(server, job)
        server.offset = 10
        file_id, http = self.run_upload(server, job)
        self.assertEqual(file_id, "file_1")
        self.assertEqual([c[0] for c in http.calls], ["HEAD", "PATCH"], "the same upload, so the same job")
        self.assertEqual(len(server.created), 1)
        _, created = self.run_upload(TusServer(20), None)
        self.assertEqual(created.calls[0][0], "POST", "a plain upload of the file is another upload")
        metadata = dict(pair.split(" ") for pair in server.created[0]["Upload-Metadata"].split(","))
        decoded = {k: base64.b64decode(v).decode() for k, v in metadata.items()}
        self.assertEqual(decoded, {"filename": "talk.txt", "filetype": "text/plain", "processor": "transcribe",
                                   "params": '{"model":"en-us"}', "priority": "-5"})

    def test_a_rate_limit_or_a_restart_before_the_first_byte_is_waited_out_not_fatal(self):
        server = TusServer(20)
        script = [KilnError(429, "rate_limited", "slow down", retry_after=7), down()]

        def handler(method, path, body, headers=None):
            return script.pop(0) if method == "POST" and script else server(method, path, body, headers)

        slept = []
        file_id, _ = upload(FakeHttp(handler), self.file, self.store, chunk_size=10, sleep=slept.append)
        self.assertEqual((file_id, len(server.created)), ("file_1", 1))
        self.assertEqual(slept[0], 7, "the 429's Retry-After")
        # An unfinished upload asked where it stands while Kiln is rate limiting: kept, not begun again.
        key = UploadStore.key(FakeHttp.url, self.file)
        self.store.put(key, "/api/v1/uploads/upl_1")
        server = TusServer(20)
        server.offset = 10
        script = [KilnError(429, "rate_limited", "slow down", retry_after=3)]

        def resuming(method, path, body, headers=None):
            return script.pop(0) if method == "HEAD" and script else server(method, path, body, headers)

        http = FakeHttp(resuming)
        self.assertEqual(upload(http, self.file, self.store, chunk_size=10, sleep=slept.append)[0], "file_1")
        self.assertEqual([c[0] for c in http.calls], ["HEAD", "HEAD", "PATCH"])
        self.assertEqual(server.created, [], "the same upload, from byte 10")

    def test_each_wait_is_told_to_on_retry_when_given_as_every_other_retry_is(self):
        server = TusServer(20, [KilnError(503, "shutting_down", "draining", retry_after=2)])
        script = [KilnError(429, "rate_limited", "slow down", retry_after=7)]

        def handler(method, path, body, headers=None):
            return script.pop(0) if method == "POST" and script else server(method, path, body, headers)

        heard, slept = [], []
        file_id, _ = upload(FakeHttp(handler), self.file, self.store, chunk_size=10, sleep=slept.append,
                            on_retry=lambda error, delay: heard.append((error.code, delay)))
        self.assertEqual((file_id, heard, slept), ("file_1", [("rate_limited", 7), ("shutting_down", 2)], [7, 2]))
        # The client's own on_retry (the command line's `…; again in 20.0 s`) hears an upload's waits too.
        heard, script = [], [KilnError(429, "rate_limited", "slow down", retry_after=0)]
        client = Client("http://kiln.test", "kiln_t", cache=os.path.join(self.dir.name, "other"),
                        on_retry=lambda error, delay: heard.append(error.code))
        server, client.http = TusServer(20), FakeHttp(handler)
        self.assertEqual((client.upload(self.file, chunk_size=10), heard), ("file_1", ["rate_limited"]))

    @unittest.skipIf(NO_NON_UTF8_FILES, "%s makes no file name that is not UTF-8" % sys.platform)
    def test_a_name_that_is_not_utf8_is_sent_with_a_replacement_character(self):
        os.rename(self.file, os.path.join(self.dir.name, os.fsdecode(b"caf\xe9.txt")))  # Latin-1, as on old disks
        self.file = os.path.join(self.dir.name, os.fsdecode(b"caf\xe9.txt"))
        server = TusServer(20)
        self.assertEqual(self.run_upload(server)[0], "file_1")
        metadata = dict(pair.split(" ") for pair in server.created[0]["Upload-Metadata"].split(","))
        self.assertEqual(base64.b64decode(metadata["filename"]).decode(), "caf\ufffd.txt")

    def test_a_lone_surrogate_that_stands_for_no_byte_is_named_with_a_replacement_character(self):
        self.assertEqual(file_name(os.path.join("in", "a\ud800b.txt")), "a\ufffdb.txt")  # made up by a program
        self.assertEqual(file_name(os.path.join("in", "talk.wav")), "talk.wav")

    def test_the_store_is_keyed_by_server_path_size_and_time(self):
        key = UploadStore.key("http://a", self.file)
        self.store.put(key, "/u/1")
        self.assertEqual(UploadStore(os.path.dirname(self.store.file)).get(key), "/u/1")
        os.utime(self.file, ns=(1, 1))
        self.assertNotEqual(UploadStore.key("http://a", self.file), key)
        self.assertNotEqual(UploadStore.key("http://b", self.file), key)

    def test_commands_changing_the_store_at_once_keep_each_others_entries(self):
        # Two processes (two `batch` runs, say) each with its own store on the same file: every entry
        # either one put is there at the end, none overwritten by the other's older copy.
        program = ("import sys\nfrom kiln.uploads import UploadStore\nstore = UploadStore(sys.argv[1])\n"
                   "for i in range(60):\n    store.put('%s-%d' % (sys.argv[2], i), 'x')\n")
        directory = os.path.dirname(self.store.file)
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        runs = [subprocess.Popen([sys.executable, "-c", program, directory, name], cwd=here) for name in "ab"]
        self.assertEqual([run.wait() for run in runs], [0, 0])
        with open(self.store.file) as f:
            kept = json.load(f)
        kept.pop(TIMES)
        self.assertEqual(sorted(kept), sorted("%s-%d" % (name, i) for name in "ab" for i in range(60)))


class PruneTest(unittest.TestCase):
    """The cache drops what can no longer serve on each change, and keeps what a resumable upload needs."""

    def setUp(self):
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        self.dir = d.name
        self.now = [1796439600.0]
        self.store = UploadStore(os.path.join(d.name, "cache"), clock=lambda: self.now[0])

    def entries(self):
        kept = self.store._read()
        kept.pop(TIMES, None)
        return kept

    def test_entries_past_their_expiry_or_too_old_are_dropped_on_the_next_change(self):
        start = self.now[0]
        os.makedirs(os.path.dirname(self.store.file))
        with open(self.store.file, "w") as f:  # as an earlier version left it: no times at all
            json.dump({"http://k|/a.wav|1|1": "/api/v1/uploads/upl_old"}, f)
        self.store.put("uploaded|who|http://k|/b.wav|2|2", "file_1")
        self.store.put("http://k|/c.wav|3|3", "/api/v1/uploads/upl_3", expires=start + 3600)
        self.now[0] = start + 3600 + EXPIRY_GRACE - 1  # within the grace: the clocks may differ
        self.store.put("x", "1")
        self.assertIn("http://k|/c.wav|3|3", self.entries())
        self.now[0] = start + 3600 + EXPIRY_GRACE + 1  # Kiln has dropped that upload by now
        self.store.put("y", "2")
        self.assertEqual(sorted(self.entries()), ["http://k|/a.wav|1|1", "uploaded|who|http://k|/b.wav|2|2", "x", "y"])
        self.now[0] = start + MAX_AGE + 1
        self.store.remove("y")
        self.assertEqual(sorted(self.entries()), ["x"],
                         "a week old is dropped; the earlier version's entry counted from its first change here")
        self.now[0] = start + 3600 + MAX_AGE + EXPIRY_GRACE + 2
        self.store.remove("nothing")
        self.assertEqual(self.store._read(), {})

    def test_a_running_upload_keeps_its_entry_alive_as_kiln_pushes_out_its_expiry(self):
        path = os.path.join(self.dir, "talk.txt")
        with open(path, "wb") as f:
            f.write(b"0123456789" * 4)
        server, cut = TusServer(40), [KilnError(400, "invalid_field", "cut")]
        expiry = [self.now[0] + 600]  # kiln.uploads.expire-after of 10 minutes, pushed out by each write

        def handler(method, path, body, headers=None):
            if method == "PATCH" and server.offset == 30 and cut:
                return cut.pop()
            expiry[0] += 400
            answered = server(method, path, body, headers)
            answered.headers["Upload-Expires"] = email.utils.formatdate(expiry[0], usegmt=True)
            return answered

        with self.assertRaises(KilnError):
            upload(FakeHttp(handler), path, self.store, chunk_size=10, sleep=lambda s: None)
        key = UploadStore.key(FakeHttp.url, path)
        recorded = self.store._read()[TIMES][key][1]
        self.assertGreaterEqual(recorded, expiry[0] - 400 - RENEW_AFTER, "written again as Kiln pushed it out")
        self.now[0] = expiry[0] - 400 + EXPIRY_GRACE - 1  # the latest expiry, which the last PATCH answered
        self.store.put("another", "command")
        self.assertEqual(self.store.get(key), "/api/v1/uploads/upl_1", "still there for the next run")
        file_id, _ = upload(FakeHttp(handler), path, self.store, chunk_size=10, sleep=lambda s: None)
        self.assertEqual((file_id, self.store.get(key)), ("file_1", None))


if __name__ == "__main__":
    unittest.main()
