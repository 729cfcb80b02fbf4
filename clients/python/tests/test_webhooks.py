import base64
import email.message
import hashlib
import hmac
import unittest

from kiln import Client, WebhookVerificationError, verify_webhook

from .fakes import FakeHttp, answer

# The example the Standard Webhooks specification publishes.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'
SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def headers(**overrides):
    found = {"webhook-id": MSG_ID, "webhook-timestamp": str(TIMESTAMP), "webhook-signature": SIGNATURE}
    found.update({k.replace("_", "-"): v for k, v in overrides.items()})
    return found


class VerifyWebhookTest(unittest.TestCase):

    def test_the_specifications_example_verifies_and_its_message_is_returned(self):
        self.assertEqual(verify_webhook(SECRET, headers(), BODY, now=TIMESTAMP), {"test": 2432232314})
        self.assertEqual(verify_webhook(SECRET, headers(), BODY.decode(), now=TIMESTAMP + 299), {"test": 2432232314})

    def test_a_changed_body_or_another_secret_fails(self):
        with self.assertRaises(WebhookVerificationError):
            verify_webhook(SECRET, headers(), b'{"test": 2432232315}', now=TIMESTAMP)
        other = "whsec_" + base64.b64encode(b"k" * 32).decode()
        with self.assertRaises(WebhookVerificationError):
            verify_webhook(other, headers(), BODY, now=TIMESTAMP)

    def test_a_signature_over_another_id_or_time_fails(self):
        with self.assertRaises(WebhookVerificationError):
            verify_webhook(SECRET, headers(webhook_id="msg_other"), BODY, now=TIMESTAMP)
        with self.assertRaises(WebhookVerificationError):
            verify_webhook(SECRET, headers(webhook_timestamp=str(TIMESTAMP + 1)), BODY, now=TIMESTAMP)

    def test_an_old_or_future_message_is_refused_even_when_signed(self):
        for now in (TIMESTAMP + 301, TIMESTAMP - 301):
            with self.assertRaises(WebhookVerificationError):
                verify_webhook(SECRET, headers(), BODY, now=now)
        self.assertTrue(verify_webhook(SECRET, headers(), BODY, tolerance=2 * 10 ** 9, now=0))

    def test_any_one_of_several_signatures_may_match(self):
        several = "v1,AAAA v2,whatever v1a,x " + SIGNATURE
        self.assertTrue(verify_webhook(SECRET, headers(webhook_signature=several), BODY, now=TIMESTAMP))
        with self.assertRaises(WebhookVerificationError):
            verify_webhook(SECRET, headers(webhook_signature="v2," + SIGNATURE[3:]), BODY, now=TIMESTAMP)

    def test_headers_in_any_case_and_mapping(self):
        upper = {k.title(): v for k, v in headers().items()}
        self.assertTrue(verify_webhook(SECRET, upper, BODY, now=TIMESTAMP))
        message = email.message.Message()  # what http.server hands a handler
        for k, v in headers().items():
            message[k.upper()] = v
        self.assertTrue(verify_webhook(SECRET, message, BODY, now=TIMESTAMP))

    def test_missing_headers_and_bad_secrets_are_refused_not_crashed(self):
        for missing in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            partial = {k: v for k, v in headers().items() if k != missing}
            with self.assertRaises(WebhookVerificationError):
                verify_webhook(SECRET, partial, BODY, now=TIMESTAMP)
        with self.assertRaises(WebhookVerificationError):
            verify_webhook("not-a-secret", headers(), BODY, now=TIMESTAMP)
        with self.assertRaises(WebhookVerificationError):
            verify_webhook("whsec_***", headers(), BODY, now=TIMESTAMP)
        with self.assertRaises(WebhookVerificationError):
            verify_webhook(SECRET, headers(webhook_timestamp="soon"), BODY, now=TIMESTAMP)

    def test_it_agrees_with_a_signature_made_here(self):
        key = b"0123456789abcdef0123456789abcdef"
        secret = "whsec_" + base64.b64encode(key).decode()
        body = '{"type":"job.succeeded","data":{"id":"job_x","state":"succeeded","note":"ü"}}'.encode()
        signed = hmac.new(key, b"msg_1.1700000000." + body, hashlib.sha256).digest()
        sig = "v1," + base64.b64encode(signed).decode()
        message = verify_webhook(
            secret, {"webhook-id": "msg_1", "webhook-timestamp": "1700000000", "webhook-signature": sig}, body,
            now=1700000000)
        self.assertEqual(message["data"]["note"], "ü")


class CallbackUrlTest(unittest.TestCase):

    def test_a_submission_names_its_callback_url(self):
        client = Client("http://kiln.test", "token")
        client.http = FakeHttp(lambda method, path, body: answer(202, {"id": "job_1", "state": "queued"}))
        client.submit("transcribe", "file_1", callback_url="https://hooks.example/kiln")
        client.submit("transcribe", "file_2")
        (_, path, first, _), (_, _, second, _) = client.http.calls
        self.assertEqual(path, "/api/v1/jobs")
        self.assertEqual(first["callbackUrl"], "https://hooks.example/kiln")
        self.assertNotIn("callbackUrl", second)


if __name__ == "__main__":
    unittest.main()
