"""``webhooks``, ``webhook-add``, ``webhook-delete``, ``callback-secret``, ``webhook-deliveries`` and
``webhook-redeliver``: the SDK's requests and the command line's wording and exit codes (end to end
against a real Kiln and receiver: PythonWebhookCliTest)."""

import io
import unittest
from unittest import mock

from kiln import Client, cli, webhookcli
from kiln.errors import KilnError

from .fakes import FakeHttp, answer, down, refused

ENV = {"KILN_URL": "http://127.0.0.1:9", "KILN_TOKEN": "t"}
HOOK = {"id": "wh_1", "kind": "endpoint", "url": "https://hooks.example/kiln", "events": ["job.failed"],
        "processors": ["transcribe"], "description": "archive", "createdAt": "2026-12-05T09:00:00Z"}
CALLBACK = {"id": "wh_2", "kind": "callback", "events": ["job.succeeded", "job.failed", "job.cancelled"],
            "createdAt": "2026-12-05T09:00:00Z"}


def delivery(**fields):
    found = {"id": "msg_1", "webhookId": "wh_1", "jobId": "job_1", "event": "job.failed",
             "url": "https://hooks.example/kiln", "status": "delivered", "attempts": 1,
             "createdAt": "2026-12-05T09:00:01.123456Z", "responseStatus": 200, "latencyMs": 35}
    found.update(fields)
    return {k: v for k, v in found.items() if v is not None}


class WebhookCliTest(unittest.TestCase):

    def run_cli(self, handler, *argv):
        client = Client("http://kiln.test", "kiln_t")
        client.http = FakeHttp(handler)
        out, err = io.StringIO(), io.StringIO()
        with mock.patch.object(cli, "connect", return_value=client), mock.patch("kiln.client.time.sleep"):
            code = cli.main(list(argv), out, err, ENV)
        return code, out.getvalue(), err.getvalue(), client.http

    def test_the_list_names_each_webhook_and_never_a_secret(self):
        code, out, err, http = self.run_cli(lambda m, p, b: answer(200, {"items": [HOOK, CALLBACK]}), "webhooks")
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out.splitlines(), [
            "wh_1                           https://hooks.example/kiln  job.failed  transcribe  (archive)",
            "wh_2                           job callbacks  job.succeeded,job.failed,job.cancelled  all processors"])
        self.assertEqual(http.calls[0][:2], ("GET", "/api/v1/webhooks"))
        code, out, err, _ = self.run_cli(lambda m, p, b: answer(200, {"items": []}), "webhooks")
        self.assertEqual((code, out, err), (0, "", "no webhooks\n"))

    def test_adding_sends_what_was_asked_and_prints_the_secret_once(self):
        made = dict(HOOK, secret="whsec_abc")
        code, out, err, http = self.run_cli(
            lambda m, p, b: answer(201, made), "webhook-add", "https://hooks.example/kiln",
            "--events", "job.failed, job.cancelled", "--events", "job.succeeded", "--processors", "transcribe",
            "--description", "archive")
        self.assertEqual((code, out), (0, "whsec_abc\n"))
        self.assertIn("Signing secret of https://hooks.example/kiln (wh_1), shown this once.", err)
        self.assertEqual(http.calls[0][:3], ("POST", "/api/v1/webhooks", {
            "url": "https://hooks.example/kiln", "events": ["job.failed", "job.cancelled", "job.succeeded"],
            "processors": ["transcribe"], "description": "archive"}))
        code, out, _, http = self.run_cli(lambda m, p, b: answer(201, made), "webhook-add", "https://h.example/")
        self.assertEqual(http.calls[0][2], {"url": "https://h.example/"}, "Kiln's defaults: every event, processor")
        code, out, _, _ = self.run_cli(lambda m, p, b: answer(201, made), "webhook-add", "https://h.example/", "--json")
        self.assertIn('"secret": "whsec_abc"', out)

    def test_a_secret_that_stdout_cannot_take_is_said_lost_with_what_to_do(self):
        class Closed(io.StringIO):
            def __init__(self, error):
                super().__init__()
                self.error = error

            def flush(self):
                raise self.error

        made = dict(HOOK, secret="whsec_abc")
        for argv, answered, remedy in (
                (["webhook-add", "https://hooks.example/kiln"], made, "webhook-delete wh_1 and add it again."),
                (["webhook-add", "https://hooks.example/kiln", "--json"], made, "webhook-delete wh_1 and add"),
                (["callback-secret"], dict(CALLBACK, secret="whsec_new"), "run callback-secret again")):
            for error, exit_code in ((BrokenPipeError(32, "Broken pipe"), 141), (OSError(28, "No space left"), 1)):
                client = Client("http://kiln.test", "kiln_t")
                client.http = FakeHttp(lambda m, p, b: answer(201, answered))
                err = io.StringIO()
                with mock.patch.object(cli, "connect", return_value=client), mock.patch.object(cli, "_silence"):
                    code = cli.main(argv, Closed(error), err, ENV)
                self.assertEqual(code, exit_code, argv)
                self.assertIn("the secret could not be written to stdout, so no one has it: " + remedy, err.getvalue())

    def test_an_add_is_not_sent_twice(self):
        """A lost answer would leave an endpoint whose secret no one saw; a second would be another."""
        code, out, err, http = self.run_cli(lambda m, p, b: down(), "webhook-add", "https://hooks.example/kiln")
        self.assertEqual((code, out, len(http.calls)), (1, "", 1))
        self.assertEqual(err, "kiln webhook-add: cannot reach Kiln: connection refused (if Kiln got the request, it"
                              " may have been added all the same, its secret unseen: `webhooks` lists it;"
                              " webhook-delete it, then add it again)\n")
        code, _, err, _ = self.run_cli(lambda m, p, b: refused("http_504", 504, "Gateway Timeout"), "callback-secret")
        self.assertEqual((code, err), (1, "kiln callback-secret: Gateway Timeout (if Kiln got the request, the secret"
                                          " may have been replaced all the same: run callback-secret again)"
                                          " [504 http_504]\n"))
        code, _, err, _ = self.run_cli(lambda m, p, b: refused("rate_limited", 429, "Too many."), "callback-secret")
        self.assertEqual(err, "kiln callback-secret: Too many. [429 rate_limited]\n", "nothing was done")

    def test_ctrl_c_while_adding_says_it_may_have_been_done(self):
        def interrupted(method, path, body):
            raise KeyboardInterrupt  # Ctrl-C while the request is on its way

        code, out, err, _ = self.run_cli(interrupted, "webhook-add", "https://hooks.example/kiln")
        self.assertEqual((code, out), (130, ""))
        self.assertEqual(err, "\nkiln webhook-add: interrupted before Kiln's answer (if Kiln got the request, it may"
                              " have been added all the same, its secret unseen: `webhooks` lists it; webhook-delete"
                              " it, then add it again)\n")
        code, _, err, _ = self.run_cli(interrupted, "callback-secret")
        self.assertEqual(code, 130)
        self.assertIn("kiln callback-secret: interrupted before Kiln's answer (if Kiln got the request, the secret"
                      " may have been replaced all the same: run callback-secret again)", err)
        code, _, err, _ = self.run_cli(interrupted, "webhooks")
        self.assertEqual((code, err), (130, "\n"), "a read: nothing to say")

    def test_a_refusal_is_one_line_from_the_problem(self):
        detail = "Kiln does not send requests to 10.0.0.1: 10.0.0.1 is a private address."
        code, out, err, _ = self.run_cli(lambda m, p, b: refused("url_not_allowed", 422, detail),
                                         "webhook-add", "http://10.0.0.1/")
        self.assertEqual((code, out, err), (1, "", "kiln webhook-add: %s [422 url_not_allowed]\n" % detail))

    def test_a_bad_name_is_said_as_given(self):
        def handler(method, path, body):
            return KilnError(400, "invalid_field", "Not a processor name.", {"field": "processors[1]"})

        code, _, err, _ = self.run_cli(handler, "webhook-add", "https://h.example/", "--processors", "ok,Bad-Name")
        self.assertEqual((code, err), (1, 'kiln webhook-add: --processors "Bad-Name": Not a processor name. '
                                          "[400 invalid_field]\n"))

    def test_delete_goes_on_past_a_refusal(self):
        def handler(method, path, body):
            return refused("webhook_not_found", 404, "No webhook wh_x.") if path.endswith("wh_x") else answer(204)

        code, out, err, http = self.run_cli(handler, "webhook-delete", "wh_x", "wh_1")
        self.assertEqual((code, out), (1, "wh_1 deleted\n"))
        self.assertEqual(err, "kiln webhook-delete: No webhook wh_x. [404 webhook_not_found]\n")
        self.assertEqual(http.paths("DELETE"), ["/api/v1/webhooks/wh_x", "/api/v1/webhooks/wh_1"])

    def test_a_new_callback_secret_is_printed_once(self):
        code, out, err, http = self.run_cli(lambda m, p, b: answer(201, dict(CALLBACK, secret="whsec_new")),
                                            "callback-secret")
        self.assertEqual((code, out), (0, "whsec_new\n"))
        self.assertIn("Your callback secret (wh_2), shown this once. It signs the callbacks", err)
        self.assertEqual(http.calls[0][:2], ("POST", "/api/v1/webhooks/callback-secret"))

    def test_a_receivers_answer_reaches_the_terminal_as_text_never_as_commands(self):
        # A receiver (anyone's server) answered with escape sequences: retitle the window, clear the screen.
        log = [delivery(status="failed", responseStatus=500, error="HTTP 500: \x1b]0;pwned\x07\x1b[2Jgone\x9b")]
        hook = dict(HOOK, description="ok\x1b[8m", url="https://hooks.example/\x1b[1A")

        def handler(method, path, body):
            return answer(200, {"items": log} if "/deliveries" in path else {"items": [hook]})

        for argv in (["webhook-deliveries", "wh_1"], ["webhooks"]):
            code, out, _, _ = self.run_cli(handler, *argv)
            self.assertEqual(code, 0)
            self.assertNotRegex(out, "[\x1b\x07\x9b]", argv[0])
        self.assertIn("HTTP 500: \ufffd]0;pwned\ufffd\ufffd[2Jgone\ufffd", self.run_cli(handler, "webhook-deliveries", "wh_1")[1])

    def test_the_delivery_log_says_each_last_answer_as_the_web_app_does(self):
        log = [delivery(),
               delivery(id="msg_2", status="pending", attempts=3, responseStatus=503, latencyMs=212,
                        error="HTTP 503: upstream\nunavailable", nextAttemptAt="2026-12-05T09:05:12Z"),
               delivery(id="msg_3", status="pending", attempts=0, responseStatus=None, latencyMs=None,
                        nextAttemptAt="2026-12-05T09:00:01Z"),
               delivery(id="msg_4", status="failed", attempts=9, responseStatus=500, latencyMs=None)]
        def handler(method, path, body):
            return answer(200, {"items": log} if "/deliveries" in path else HOOK)

        code, out, err, http = self.run_cli(handler, "webhook-deliveries", "wh_1", "--limit", "5")
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out.splitlines(), [
            "msg_1  2026-12-05T09:00:01Z  job.failed  job_1  delivered  1 attempt  200 in 35 ms",
            "msg_2  2026-12-05T09:00:01Z  job.failed  job_1  pending  3 attempts  HTTP 503: upstream unavailable"
            "  next 2026-12-05T09:05:12Z",
            "msg_3  2026-12-05T09:00:01Z  job.failed  job_1  pending  0 attempts  not tried yet"
            "  next 2026-12-05T09:00:01Z",
            "msg_4  2026-12-05T09:00:01Z  job.failed  job_1  failed  9 attempts  HTTP 500"])
        self.assertEqual(http.paths(), ["/api/v1/webhooks/wh_1", "/api/v1/webhooks/wh_1/deliveries?limit=5"])
        code, out, err, _ = self.run_cli(lambda m, p, b: answer(200, {"items": []} if "/d" in p else HOOK),
                                         "webhook-deliveries", "wh_1")
        self.assertEqual((code, out), (0, ""))
        self.assertIn("nothing delivered yet", err)

    def test_the_callbacks_log_names_where_each_went(self):
        def handler(method, path, body):
            return answer(200, {"items": [delivery(url="https://n8n.example/a")]} if "/deliveries" in path else CALLBACK)

        code, out, _, _ = self.run_cli(handler, "webhook-deliveries", "wh_2")
        self.assertEqual((code, out), (0, "msg_1  2026-12-05T09:00:01Z  job.failed  job_1  delivered  1 attempt  "
                                          "200 in 35 ms  to https://n8n.example/a\n"))
        code, out, _, http = self.run_cli(handler, "webhook-deliveries", "wh_2", "--json")
        self.assertEqual(http.paths(), ["/api/v1/webhooks/wh_2/deliveries?limit=20"], "--json: as Kiln has them")

    def test_redeliver_prints_the_delivery_queued_again(self):
        code, out, err, http = self.run_cli(lambda m, p, b: answer(202, delivery(status="pending")),
                                            "webhook-redeliver", "wh_1", "msg_1")
        self.assertEqual((code, err), (0, ""))
        self.assertTrue(out.startswith("msg_1  2026-12-05T09:00:01Z  job.failed  job_1  pending"), out)
        self.assertEqual(http.calls[0][:2], ("POST", "/api/v1/webhooks/wh_1/deliveries/msg_1/redeliver"))
        self.assertEqual(cli.main(["webhook-redeliver", "wh_1"], io.StringIO(), io.StringIO(), ENV), 2)

    def test_ids_are_one_path_segment(self):
        _, _, _, http = self.run_cli(lambda m, p, b: answer(200, {"items": []} if "/d" in p else HOOK),
                                     "webhook-deliveries", "../jobs")
        self.assertEqual(http.paths(), ["/api/v1/webhooks/..%2Fjobs", "/api/v1/webhooks/..%2Fjobs/deliveries?limit=20"])

    def test_names_are_split_on_commas_and_spaces(self):
        self.assertEqual(webhookcli._names(["a,b", " c  d,,"]), ["a", "b", "c", "d"])
        self.assertIsNone(webhookcli._names(None))


if __name__ == "__main__":
    unittest.main()
