"""``Client``: Kiln's HTTP API for scripts — upload, submit, read, follow, cancel, fetch results."""

import time
import urllib.parse

from ._http import Backoff, Transport, _position, retry_delay
from .errors import KilnError
from .events import Follower
from .uploads import DEFAULT_CHUNK, UploadStore, upload


class Client:
    """A user of one Kiln. ``url`` is where it serves (``http://localhost:8080``), ``token`` an API
    token (``kiln_…``). Every error answer raises :class:`kiln.KilnError` with the problem's
    ``status``, ``code`` and ``detail``; an unreachable server raises :class:`kiln.KilnUnavailable`.

    Reads, submissions with an idempotency key, and the calls that come to the same on a second
    sending (cancels, retries, deletions, redeliveries, a batch's cancel and retry) are sent again
    a few times when the server is briefly unreachable, restarting or overloaded (a dropped
    connection, 429, 502, 503, 504); ``retries`` sets how many, and ``on_retry(error, delay)``, when
    given, hears of each wait before it is waited out (a 429's Retry-After may be a minute). A
    retry or deletion sent again may find its own earlier sending done (its answer lost on the
    way): a deletion then answered "not found", or a retry answered that the job is already back
    in the queue or running, counts as done. Other calls (a submission or a question without a key, a new webhook,
    a new callback secret) are sent once."""

    def __init__(self, url, token, timeout=30.0, retries=3, cache=None, on_retry=None):
        self.http = Transport(url, token, timeout)
        self.retries = retries
        self.uploads = UploadStore(cache)
        self.on_retry = on_retry

    @property
    def url(self):
        return self.http.url

    def close(self):
        """Closes this thread's kept-alive connection (more are opened as needed)."""
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # Files

    def upload(self, path, chunk_size=DEFAULT_CHUNK, on_progress=None, patience=300.0):
        """Uploads a file resumably (tus) and returns its file id. A previous unfinished upload of
        the same file (same path, size and modification time) goes on where the server has it."""
        return upload(self.http, path, self.uploads, chunk_size, on_progress, patience, on_retry=self.on_retry)[0]

    def file(self, file_id):
        return self._retried("GET", "/api/v1/files/" + _segment(file_id)).json()

    def delete_file(self, file_id, with_jobs=False):
        """Deletes a file. While jobs waiting or running need it, KilnError ``file_in_use`` (its
        ``jobs``), unless ``with_jobs``: then the jobs made from it go too (``job_running`` if one runs)."""
        path = "/api/v1/files/" + _segment(file_id) + ("?jobs=delete" if with_jobs else "")
        self._retried("DELETE", path, resent=_gone("file_not_found"))

    # Jobs

    def submit(self, type, file_id=None, params=None, idempotency_key=None, priority=None, callback_url=None):
        """Submits a job and returns its snapshot. With an ``idempotency_key`` a repeated request
        (say, after a dropped connection) answers the same job, so it is retried safely. With a
        ``callback_url`` Kiln posts the job's end there, signed (check it with ``verify_webhook``)."""
        body = {"type": type}
        if file_id is not None:
            body["input"] = {"fileId": file_id}
        if params is not None:
            body["params"] = params
        if priority is not None:
            body["priority"] = priority
        if callback_url is not None:
            body["callbackUrl"] = callback_url
        return self._post_keyed("/api/v1/jobs", body, idempotency_key)

    def submit_file(self, path, type, params=None, priority=None, chunk_size=DEFAULT_CHUNK, on_progress=None,
                    patience=300.0):
        """Uploads a file and starts a job on it in one step (tus metadata naming the processor):
        Kiln checks the processor and params before any byte is sent and starts the job exactly
        once when the last byte is in, even if the upload had to resume. Returns the job's snapshot."""
        job = {"type": type, "params": params if params is not None else {}}
        if priority is not None:
            job["priority"] = priority
        _, job_id = upload(self.http, path, self.uploads, chunk_size, on_progress, patience, job=job,
                           on_retry=self.on_retry)
        return self.job(job_id)

    def job(self, job_id):
        """The job's snapshot (``state``, ``progress``, ``seq``, ``result``, ``error``, …)."""
        return self._retried("GET", "/api/v1/jobs/" + _segment(job_id)).json()

    def jobs(self, state=None, type=None, limit=50, file_id=None):
        """Up to ``limit`` of your jobs (an admin's: everyone's), newest first; with ``file_id``, those made
        from that file, up to ``limit`` too (the file list's ``jobCount`` says how many there are: pass it
        as ``limit`` for all of them)."""
        return self._pages("/api/v1/jobs", {"state": state, "type": type, "file": file_id}, limit, 200)

    def cancel(self, job_id):
        """Cancels the job (at once if queued; a running one stops at its next check). Returns the
        snapshot; a finished job raises KilnError ``job_finished``."""
        return self._retried("POST", "/api/v1/jobs/%s/cancel" % _segment(job_id), body=b"").json()

    def retry(self, job_id):
        """Puts a failed or cancelled job back in the queue (the same job, a fresh attempt); returns
        its snapshot. Any other job raises KilnError ``job_not_retryable`` (its ``state`` in the problem)."""
        response = self._retried("POST", "/api/v1/jobs/%s/retry" % _segment(job_id), body=b"", resent=_requeued)
        # None: sent again after a lost answer, an earlier sending had retried it; its snapshot is read.
        return self.job(job_id) if response is None else response.json()

    def delete_job(self, job_id):
        """Deletes the job with its events and result. A running one raises KilnError ``job_running``
        (cancel it first)."""
        self._retried("DELETE", "/api/v1/jobs/" + _segment(job_id), resent=_gone("job_not_found"))

    def result(self, job_id, format=None):
        """The result's bytes: JSON by default, or rendered in one of the processor's formats."""
        path = "/api/v1/jobs/%s/result" % _segment(job_id)
        if format is not None:
            path += "?" + urllib.parse.urlencode({"format": format})
        return self._retried("GET", path, headers={"Accept": "*/*"}).body

    def files(self, job_id):
        """The job's result files, uploaded by its worker: ``[{"name", "size", "sha256",
        "mediaType", "url", …}]`` (those of its running or succeeded attempt)."""
        return self._retried("GET", "/api/v1/jobs/%s/files" % _segment(job_id)).json().get("items", [])

    def download_file(self, job_id, name, out):
        """Streams one result file into ``out`` (a binary file object); returns the bytes written."""
        return self._stream("/api/v1/jobs/%s/files/%s" % (_segment(job_id), _segment(name)), out)

    # Batches

    def create_batch(self, type, file_ids, params=None, name=None, idempotency_key=None, reuse=None):
        """Makes one job per file, all or none (a bad file is named: ``invalid_batch_item``, ``files[i]``).
        With an ``idempotency_key`` a repeated request answers the same batch, so it is retried safely."""
        body = {"type": type, "files": list(file_ids)}
        for field, value in (("params", params), ("name", name), ("reuse", reuse)):
            if value is not None:
                body[field] = value
        return self._post_keyed("/api/v1/batches", body, idempotency_key)

    def batches(self, limit=50):
        """Up to ``limit`` of your batches (an admin's: everyone's), newest first, without their jobs."""
        return self._pages("/api/v1/batches", {}, limit, 200)

    def batch(self, batch_id):
        """The batch: ``counts`` by state, ``progress`` (0..1), ``eta``, ``finished`` and its ``jobs``."""
        return self._retried("GET", "/api/v1/batches/" + _segment(batch_id)).json()

    def cancel_batch(self, batch_id):
        """Cancels every unfinished job of the batch; returns the batch."""
        return self._retried("POST", "/api/v1/batches/%s/cancel" % _segment(batch_id), body=b"").json()

    def retry_batch(self, batch_id):
        """Puts the batch's failed and cancelled jobs back in the queue, but those that would fail the same way
        (docs/protocol.md, "Batches"); returns the batch."""
        return self._retried("POST", "/api/v1/batches/%s/retry" % _segment(batch_id), body=b"").json()

    def download_batch(self, batch_id, format, out):
        """Streams the zip of every succeeded job's result in ``format`` into ``out`` (a binary file
        object); returns the bytes written."""
        query = urllib.parse.urlencode({"format": format})
        return self._stream("/api/v1/batches/%s/download?%s" % (_segment(batch_id), query), out)

    def processors(self):
        return self._retried("GET", "/api/v1/processors").json().get("items", [])

    # Webhooks (docs/webhooks.md)

    def webhooks(self):
        """Your webhook endpoints, and your job callbacks' entry (``kind: callback``) once you have one."""
        return self._retried("GET", "/api/v1/webhooks").json().get("items", [])

    def webhook(self, webhook_id):
        return self._retried("GET", "/api/v1/webhooks/" + _segment(webhook_id)).json()

    def create_webhook(self, url, events=None, processors=None, description=None):
        """Registers an endpoint that Kiln posts your jobs' ends to (``events``: ``job.succeeded``,
        ``job.failed``, ``job.cancelled``, all when None; ``processors``: all when None). Returns it
        with its signing ``secret``, which Kiln never shows again. Not retried: a lost answer would
        leave an endpoint whose secret no one saw."""
        body = {"url": url}
        for field, value in (("events", events), ("processors", processors), ("description", description)):
            if value is not None:
                body[field] = value
        return self.http.request("POST", "/api/v1/webhooks", json_body=body).json()

    def delete_webhook(self, webhook_id):
        """Deletes the webhook; its deliveries not yet sent are never sent."""
        self._retried("DELETE", "/api/v1/webhooks/" + _segment(webhook_id), resent=_gone("webhook_not_found"))

    def rotate_callback_secret(self):
        """A new secret for your jobs' callbacks (``callbackUrl``), in the answer only; the old one
        signs nothing from now on."""
        return self.http.request("POST", "/api/v1/webhooks/callback-secret", body=b"").json()

    def deliveries(self, webhook_id, limit=50):
        """Up to ``limit`` of the webhook's deliveries, newest first (``status``, ``attempts``, …)."""
        return self._pages("/api/v1/webhooks/%s/deliveries" % _segment(webhook_id), {}, limit, 200)

    def redeliver(self, webhook_id, delivery_id):
        """Sends a delivery again now, with the same ``webhook-id``; returns the delivery."""
        return self._retried("POST", "/api/v1/webhooks/%s/deliveries/%s/redeliver"
                             % (_segment(webhook_id), _segment(delivery_id)), body=b"").json()

    # Events

    def events(self, job_id, after=0, limit=100, wait=0):
        """One page of the job's events after seq ``after`` (oldest first); with ``wait`` (≤ 30 s)
        an empty page waits for the next event. Returns ``{"items": [...], "next": seq}``."""
        query = urllib.parse.urlencode({"after": after, "limit": limit, "wait": wait})
        return self._retried("GET", "/api/v1/jobs/%s/events?%s" % (_segment(job_id), query),
                             timeout=wait + self.http.timeout).json()

    def follow(self, job_id, after=0, transport="sse", on_retry=None, patience=None):
        """Yields the job's events after seq ``after`` until its terminal ``state`` event, each
        once and in order. A dropped connection or a restarting server is retried with backoff
        (forever, or for ``patience`` seconds) and resumed after the last event yielded."""
        return iter(Follower(self.http, _segment(job_id), after, transport, on_retry, patience))

    # Search and answers

    def search(self, q, mode=None, type=None, limit=20, on_page=None):
        """Up to ``limit`` hits for ``q`` in your transcripts and documents, best first (``mode``:
        text, hybrid or semantic). ``on_page(page)`` sees each page as read (``reranked``, …)."""
        return self._pages("/api/v1/search", {"q": q, "mode": mode, "type": type}, limit, 100, on_page)

    def ask(self, question, jobs=None, files=None, conversation=None, idempotency_key=None):
        """Asks a question of your content (narrowed to ``jobs`` and ``files`` when given; a follow-up
        of the answer ``conversation``). Returns the ``answer`` job's snapshot: follow it like any job."""
        body = {"question": question}
        scope = {name: list(ids) for name, ids in (("jobs", jobs), ("files", files)) if ids}
        if scope:
            body["scope"] = scope
        if conversation is not None:
            body["conversation"] = conversation
        return self._post_keyed("/api/v1/answers", body, idempotency_key)

    def _post_keyed(self, path, body, idempotency_key):
        """POSTs ``body``: sent once without a key; with one, sent again after a failure (Kiln answers
        the first request's result to a repeat of the same key and body)."""
        if idempotency_key is None:
            return self.http.request("POST", path, json_body=body).json()
        return self._retried("POST", path, json_body=body, headers={"Idempotency-Key": idempotency_key}).json()

    def _pages(self, path, query, limit, page_size, on_page=None):
        """Up to ``limit`` items of a list read page by page (``nextCursor``), with ``query``'s given values."""
        found, cursor = [], None
        while len(found) < limit:
            asked = {name: value for name, value in query.items() if value is not None}
            asked["limit"] = min(page_size, limit - len(found))
            if cursor is not None:
                asked["cursor"] = cursor
            page = self._retried("GET", path + "?" + urllib.parse.urlencode(asked)).json()
            if on_page is not None:
                on_page(page)
            found.extend(page.get("items", []))
            cursor = page.get("nextCursor")
            if not cursor:
                break
        return found

    def _retried(self, method, path, resent=None, **kwargs):
        return self._retrying(lambda: self.http.request(method, path, **kwargs), resent=resent)

    def _retrying(self, send, again=None, resent=None):
        """``send()``, sent again after a transient failure (unreachable, dropped, 429/502/503/504)
        up to ``retries`` times with backoff or the answer's Retry-After. ``again()``, when given, says
        whether another try can be made (a download takes its output back to where it started).
        ``resent(error)``, when given, hears of a refusal that came after a sending again whose earlier
        sending may have been done, its answer lost (a dropped connection, a proxy's 502 or 504; not
        a 429 or 503, where Kiln did nothing): it returns what the call answers, or raises."""
        backoff = Backoff(0.5, 5.0)
        maybe_done = False
        for attempt in range(self.retries + 1):
            try:
                return send()
            except KilnError as e:
                if not e.transient and maybe_done and resent is not None:
                    return resent(e)
                maybe_done = maybe_done or e.status in (None, 502, 504)
                if not e.transient or attempt == self.retries or (again is not None and not again()):
                    raise
                delay = retry_delay(e, backoff)
                if self.on_retry is not None:
                    self.on_retry(e, delay)
                time.sleep(delay)

    def _stream(self, path, out):
        """Copies the answer to ``GET path`` into ``out`` as it arrives; returns the bytes written. A
        transient failure before or during the transfer is retried as other reads are: from the start,
        ``out`` truncated back to where it was (a stream that cannot seek is retried only while empty)."""
        start = _position(out)
        written = [0]

        def copy():
            written[0] = 0
            with self.http.open("GET", path, headers={"Accept": "*/*"}) as stream:
                for chunk in iter(lambda: stream.read(64 * 1024), b""):
                    out.write(chunk)
                    written[0] += len(chunk)
            return written[0]

        def rewind():
            if not written[0]:
                return True
            if start is None:
                return False
            try:
                out.seek(start)
                out.truncate()
            except (OSError, ValueError):
                return False
            return True

        return self._retrying(copy, rewind)


# Where a job is once retried (and not yet finished).
_REQUEUED = ("queued", "retry_scheduled", "running")


def _requeued(error):
    """For a retry sent again: the job already back in the queue or running means an earlier sending retried it."""
    if error.code != "job_not_retryable" or error.problem.get("state") not in _REQUEUED:
        raise error


def _gone(code):
    """For a deletion sent again: ``code`` (not found) means an earlier sending deleted it."""
    def resent(error):
        if error.code != code:
            raise error

    return resent


def _segment(value):
    """An id as one path segment: nothing in it can reach another endpoint."""
    return urllib.parse.quote(str(value), safe="")
