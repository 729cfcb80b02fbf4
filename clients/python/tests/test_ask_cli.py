"""``search`` and ``ask``: hits and answers shown readably, with their sources (end to end against a
real Kiln: PythonLibraryCliTest)."""

import io
import json
import unittest
from unittest import mock

from kiln import Client, askcli, cli

from .fakes import FakeHttp, Lines, answer, down, refused, sse

ENV = {"KILN_URL": "http://127.0.0.1:9", "KILN_TOKEN": "t"}

HIT = {"jobId": "job_1", "jobType": "transcribe", "fileId": "file_1", "fileName": "talk.wav", "segment": 4,
       "text": "the budget was\napproved in March",
       "snippet": [{"text": "…the "}, {"text": "budget", "match": True}, {"text": " was\napproved in March"}],
       "anchor": {"startSeconds": 83.2, "endSeconds": 91.0}, "score": 0.5, "retrievers": ["text"]}
PAGE = dict(HIT, jobId="job_2", jobType="extract", fileName="minutes.pdf", segment=12, snippet=None,
            text="Budget: approved.", anchor={"pageFrom": 3, "pageTo": 4})
CITATIONS = [{"n": 1, "jobId": "job_1", "jobType": "transcribe", "fileName": "talk.wav", "segment": 4,
              "text": "…", "startSeconds": 83.2, "endSeconds": 91.0},
             {"n": 2, "jobId": "job_2", "jobType": "extract", "segment": 12, "text": "…", "pageFrom": 3, "pageTo": 3}]


class Tty(io.StringIO):
    def isatty(self):
        return True


def state(seq, name, **data):
    return {"job": "job_a", "seq": seq, "kind": "state", "data": dict(data, state=name)}


def partial(seq, **data):
    return {"job": "job_a", "seq": seq, "kind": "partial", "data": data}


class AskCliTest(unittest.TestCase):

    def run_cli(self, handler, *argv, stdout=None):
        client = Client("http://kiln.test", "kiln_t")
        client.http = FakeHttp(handler)
        out, err = stdout or io.StringIO(), io.StringIO()
        with mock.patch.object(cli, "connect", return_value=client), mock.patch("kiln.client.time.sleep"):
            code = cli.main(list(argv), out, err, ENV)
        return code, out.getvalue(), err.getvalue(), client.http

    def test_a_hit_is_its_job_file_and_moment_then_its_snippet_on_one_line(self):
        pages = {None: {"items": [HIT], "nextCursor": "c1"}, "c1": {"items": [PAGE], "nextCursor": None}}

        def handler(method, path, body):
            return answer(200, pages[path.partition("cursor=")[2] or None])

        code, out, err, http = self.run_cli(handler, "search", "budget", "approved", "--mode", "hybrid")
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out.splitlines(), ["job_1  talk.wav · 1:23–1:31  segment 4",
                                            "  …the budget was approved in March",
                                            "job_2  minutes.pdf · pp. 3–4  segment 12",
                                            "  Budget: approved."])
        self.assertEqual(http.paths(), ["/api/v1/search?q=budget+approved&mode=hybrid&limit=20",
                                        "/api/v1/search?q=budget+approved&mode=hybrid&limit=19&cursor=c1"])

    def test_on_a_terminal_the_matched_words_are_bold_and_json_is_each_hit(self):
        self.assertEqual(askcli.snippet(HIT["snippet"], "", bold=True),
                         "…the \x1b[1mbudget\x1b[0m was approved in March")
        tty = Tty()
        self.run_cli(lambda m, p, b: answer(200, {"items": [HIT]}), "search", "budget", stdout=tty)
        self.assertIn("\x1b[1mbudget\x1b[0m", tty.getvalue())
        code, out, _, _ = self.run_cli(lambda m, p, b: answer(200, {"items": [HIT]}), "search", "budget", "--json")
        self.assertEqual([json.loads(line) for line in out.splitlines()], [HIT])

    def test_no_hit_is_said_on_stderr_and_a_refused_query_is_one_line(self):
        code, out, err, _ = self.run_cli(lambda m, p, b: answer(200, {"items": [], "nextCursor": None}),
                                         "search", "nothing")
        self.assertEqual((code, out, err), (0, "", "no hits\n"))
        detail = "q has no words to search for (letters or digits)."
        code, _, err, _ = self.run_cli(lambda m, p, b: refused("invalid_field", 400, detail), "search", "!!!")
        self.assertEqual((code, err), (1, "kiln search: %s [400 invalid_field]\n" % detail))

    def test_a_reranker_that_failed_is_said(self):
        code, _, err, _ = self.run_cli(
            lambda m, p, b: answer(200, {"items": [HIT], "reranked": False, "rerankFailure": "timeout"}),
            "search", "budget", "--mode", "hybrid")
        self.assertEqual((code, err), (0, "not reranked (timeout): in fused order\n"))

    def ask(self, events, *argv, result=None):
        result = result or {"answer": "In March [1].", "citations": CITATIONS, "mode": "llm"}

        def handler(method, path, body):
            if method == "POST":
                self.asked = body
                return answer(202, {"id": "job_a", "type": "answer", "state": "queued", "seq": 1})
            if path.endswith("/result"):
                return answer(200, result)
            return Lines(sse(state(1, "queued"), *events))

        return self.run_cli(handler, "ask", *argv)

    def test_a_documents_control_characters_are_shown_not_obeyed(self):
        hit = dict(HIT, fileName="a\x1b[2J.pdf", snippet=[{"text": "line\x1b]52;c;cHduZWQ=\x07 two"}])
        code, out, _, _ = self.run_cli(lambda m, p, b: answer(200, {"items": [hit]}), "search", "budget")
        self.assertEqual(out.splitlines(), ["job_1  a\ufffd[2J.pdf · 1:23–1:31  segment 4",
                                            "  line\ufffd]52;c;cHduZWQ=\ufffd two"])
        citations = [dict(CITATIONS[0], fileName="t\x1b[1A.wav")]
        events = [state(2, "running", attempt=1), partial(3, citations=citations),
                  partial(4, delta="In\tMarch\x1b[2K [1].\n"), state(5, "succeeded")]
        code, out, _, _ = self.ask(events, "When?", result={"answer": "In March [1].", "citations": citations})
        self.assertEqual(out, "In\tMarch\ufffd[2K [1].\n\n[1] t\ufffd[1A.wav · 1:23–1:31 (job_1, segment 4)\n")

    def test_the_answer_is_written_as_it_comes_then_its_sources(self):
        events = [state(2, "running", attempt=1), partial(3, citations=CITATIONS), partial(4, delta="In "),
                  partial(5, delta="March [1]."), state(6, "succeeded")]
        code, out, err, http = self.ask(events, "When", "was it?", "--job", "job_1", "--file", "file_1")
        self.assertEqual(code, 0)
        self.assertEqual(out, "In March [1].\n\n"
                              "[1] talk.wav · 1:23–1:31 (job_1, segment 4)\n"
                              "[2] extract · p. 3 (job_2, segment 12)\n")
        self.assertEqual(err, "answer job_a\n")
        self.assertEqual(self.asked, {"question": "When was it?", "scope": {"jobs": ["job_1"], "files": ["file_1"]}})
        self.assertTrue(http.calls[0][3]["Idempotency-Key"].startswith("cli-"), "retried safely")
        self.assertIn("after=0", http.calls[1][1], "the whole answer, from its first event")

    def test_an_ask_sent_again_after_a_lost_answer_still_prints_the_whole_answer(self):
        # The first POST made the job, its answer lost; the same key sent again is answered the job as
        # it is by then: its first deltas written (seq 4), or already succeeded.
        events = [state(1, "queued"), state(2, "running", attempt=1), partial(3, delta="In "),
                  partial(4, delta="March [1]."), state(5, "succeeded")]
        for now in (4, 5):
            posts = []

            def handler(method, path, body):
                if method == "POST":
                    posts.append(body)
                    if len(posts) == 1:
                        return down()
                    return answer(200, {"id": "job_a", "type": "answer", "state": "running", "seq": now})
                if path.endswith("/result"):
                    return answer(200, {"answer": "In March [1].", "citations": CITATIONS[:1], "mode": "llm"})
                after = int(path.partition("after=")[2].partition("&")[0])
                return answer(200, {"items": [e for e in events if e["seq"] > after], "next": 5})

            code, out, _, http = self.run_cli(handler, "ask", "When?", "--poll")
            self.assertEqual(code, 0)
            self.assertEqual(out, "In March [1].\n\n[1] talk.wav · 1:23–1:31 (job_1, segment 4)\n", now)
            keys = {call[3]["Idempotency-Key"] for call in http.calls if call[0] == "POST"}
            self.assertEqual(len(keys), 1, "the same key sent again")

    def test_an_attempt_that_fails_midway_is_said_and_the_next_starts_on_a_new_line(self):
        events = [state(2, "running", attempt=1), partial(3, delta="In Ma"),
                  {"job": "job_a", "seq": 4, "kind": "error",
                   "data": {"code": "llm_unavailable", "message": "The model's server did not answer.",
                            "retryable": True}},
                  state(5, "retry_scheduled", retryAt="2026-12-07T10:00:05Z"), state(6, "running", attempt=2),
                  partial(7, delta="In March."), state(8, "succeeded")]
        code, out, err, _ = self.ask(events, "When?", "--conversation", "job_0")
        self.assertEqual(code, 0)
        self.assertEqual(out.splitlines()[:2], ["In Ma", "In March."])
        self.assertEqual(err.splitlines(), ["answer job_a",
                                            "error: llm_unavailable: The model's server did not answer.",
                                            "retry scheduled at 2026-12-07T10:00:05Z", "running (attempt 2)"])
        self.assertEqual(self.asked["conversation"], "job_0")

    def test_an_answer_that_failed_exits_1_and_json_is_the_result(self):
        events = [state(2, "running", attempt=1), partial(3, delta="In"), state(4, "failed")]
        code, out, err, _ = self.ask(events, "When?")
        self.assertEqual((code, out, err), (1, "In\n", "answer job_a\nfailed\n"))
        events = [state(2, "running", attempt=1), partial(3, delta="In March."), state(4, "succeeded")]
        code, out, _, _ = self.ask(events, "When?", "--json", result={"answer": "In March.", "mode": "extractive"})
        self.assertEqual((code, json.loads(out)), (0, {"answer": "In March.", "mode": "extractive"}))


if __name__ == "__main__":
    unittest.main()
