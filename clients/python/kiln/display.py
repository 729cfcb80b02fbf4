"""How ``python -m kiln follow`` shows a job: partial results' text on stdout as it arrives; on a
terminal a one-line progress bar (percent, stage, ETA) redrawn in place on stderr, elsewhere
plain status lines on stderr; or every event as a JSON line."""

import datetime
import json
import re
import shutil
import time

BAR_WIDTH = 24
# Control characters (C0 but tab and newline, DEL, C1): in text Kiln passes on from elsewhere (a
# webhook receiver's answer, a document's words, a file's name) a terminal would take them as
# commands (ESC starts a sequence that moves the cursor, retitles the window, writes the clipboard).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text):
    """``text`` with each control character but tab and newline shown as U+FFFD, never obeyed."""
    return _CONTROL.sub("\ufffd", text)


def partial_text(data):
    """A partial result as a line: its ``text`` when it has one, else compact JSON."""
    if isinstance(data, dict) and isinstance(data.get("text"), str):
        return data["text"]
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def parse_time(value):
    """Seconds since the epoch of an ISO-8601 UTC time as Kiln writes it (``…T10:15:02.113Z``)."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    main, zone = text[:19], text[19:]
    fraction = ""
    if zone.startswith("."):
        digits = zone[1:]
        end = len(digits) - len(digits.lstrip("0123456789"))
        fraction, zone = digits[:end], digits[end:]
    try:
        moment = datetime.datetime.strptime(main, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    offset = 0
    if zone and zone[0] in "+-" and len(zone) >= 6:
        offset = (int(zone[1:3]) * 60 + int(zone[4:6])) * 60 * (1 if zone[0] == "+" else -1)
    seconds = moment.replace(tzinfo=datetime.timezone.utc).timestamp() - offset
    return seconds + (float("0." + fraction) if fraction else 0.0)


def retrying_what(error):
    """What a retry waits out, as every wait is said: ``Kiln answered 429 rate_limited (…)`` or
    ``cannot reach Kiln (…)``."""
    what = "cannot reach Kiln" if error.status is None else "Kiln answered %s %s" % (error.status, error.code)
    return "%s (%s)" % (what, error.detail)


def duration(seconds):
    seconds = int(round(max(0, seconds)))
    if seconds < 60:
        return "%ds" % seconds
    if seconds < 3600:
        return "%dm%02ds" % divmod(seconds, 60)
    hours, rest = divmod(seconds, 3600)
    return "%dh%02dm" % (hours, rest // 60)


class Eta:
    """Time left: the processor's own ``eta`` when it gives one, else a straight line through the
    attempt's progress so far (from the events' timestamps, so a replay estimates the same)."""

    def __init__(self, clock=time.time):
        self.clock = clock
        self.anchor = None

    def restart(self):
        self.anchor = None

    def update(self, progress, at, eta=None):
        if eta:
            end = parse_time(eta)
            if end is not None:
                return max(0.0, end - self.clock())
        if at is None:
            return None
        if self.anchor is None or progress < self.anchor[1]:
            self.anchor = (at, progress)
            return None
        started, from_progress = self.anchor
        if progress <= from_progress or at <= started:
            return None
        return (at - started) / (progress - from_progress) * (1.0 - progress)


def bar_line(progress, stage, eta_seconds, columns):
    progress = min(1.0, max(0.0, progress or 0.0))
    filled = int(progress * BAR_WIDTH)
    line = "[%s%s] %3d%%" % ("#" * filled, "-" * (BAR_WIDTH - filled), int(progress * 100))
    if stage:
        line += "  " + stage
    if eta_seconds is not None:
        line += "  ETA " + duration(eta_seconds)
    return line[: max(10, columns - 1)]


def state_line(data):
    state = data.get("state", "?")
    if state == "running":
        if data.get("cancelRequested"):
            return "cancel requested"
        return "running (attempt %s)" % data.get("attempt", "?")
    if state == "retry_scheduled":
        return "retry scheduled" + (" at " + data["retryAt"] if data.get("retryAt") else "")
    if state == "queued" and data.get("reason"):
        return "queued (%s)" % data["reason"]
    return state


class View:
    """Shows events as they come. ``tty`` draws the bar; ``json_lines`` prints raw events."""

    def __init__(self, out, err, tty=False, json_lines=False, clock=time.time):
        self.out = out
        self.err = err
        self.tty = tty
        self.json_lines = json_lines
        self.eta = Eta(clock)
        self.bar = None  # the line drawn, while one is on screen
        self.percent = None
        self.stage = None
        self.final_state = None

    def event(self, event):
        kind, data = event.get("kind"), event.get("data") or {}
        if kind == "state":
            self.final_state = data.get("state")
            if data.get("state") == "running" and not data.get("cancelRequested"):
                self.eta.restart()
        if self.json_lines:
            self._write(self.out, json.dumps(event, separators=(",", ":"), ensure_ascii=False))
            return
        if kind == "partial":
            self._write(self.out, partial_text(data))
        elif kind == "progress":
            self._progress(event, data)
        elif kind == "state":
            if data.get("state") in ("succeeded", "failed", "cancelled"):
                self._clear_bar()
            self._status(state_line(data))
        elif kind == "error":
            self._status("error: %s: %s%s" % (data.get("code"), data.get("message"),
                                               "" if data.get("retryable") else " (not retryable)"))
        elif kind == "result":
            self._status("result: %s bytes" % data.get("size"))

    def notice(self, text):
        """Something about the connection, not the job (lost, retrying)."""
        self._status(text)

    def close(self):
        self._clear_bar()

    def _progress(self, event, data):
        progress = float(data.get("progress") or 0.0)
        stage = data.get("stage")
        remaining = self.eta.update(progress, parse_time(event.get("ts")), data.get("eta"))
        if self.tty:
            line = bar_line(progress, stage, remaining, shutil.get_terminal_size((80, 20)).columns)
            if line != self.bar:
                self.err.write("\r\x1b[K" + line)
                self.err.flush()
                self.bar = line
            return
        percent = int(progress * 100)
        if percent != self.percent or stage != self.stage:
            self.percent, self.stage = percent, stage
            self._status("progress: %d%%%s" % (percent, "  " + stage if stage else ""))

    def _status(self, text):
        self._write(self.err, text)

    def _write(self, stream, text):
        bar = self.bar
        self._clear_bar()
        stream.write(text + "\n")
        stream.flush()
        if bar is not None:
            self.err.write(bar)
            self.err.flush()
            self.bar = bar

    def _clear_bar(self):
        if self.bar is not None:
            self.err.write("\r\x1b[K")
            self.err.flush()
            self.bar = None
