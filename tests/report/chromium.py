"""A real headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
requests on file descriptor 3, answers on 4, NUL-separated JSON), so the browser tests need no
driver library. The browser runs with networking off and a fresh profile, and records every request
the page makes, every console message and every uncaught exception."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shlex
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from typing_extensions import Self

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--remote-debugging-pipe")


def find_chromium() -> str | None:
    """Debian's `chromium` (or another Chromium build on PATH)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageVisit:
    """What the browser saw while loading one page."""

    requests: list[str] = field(default_factory=list)
    console: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    screenshot: bytes = b""
    values: dict[str, Any] = field(default_factory=dict)


class Chromium:
    """One browser process; use as a context manager."""

    def __init__(self, executable: str, timeout: float = 60.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="advisor-chromium-")
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        # Above 3 and 4, so that handing them over as 3 and 4 cannot overwrite one with the other.
        to_browser_read, from_browser_write = (_high(to_browser_read), _high(from_browser_write))
        # bash (dash takes no descriptor above 9) hands our pipe ends over as 3 and 4, then becomes the browser.
        command = " ".join(shlex.quote(word) for word in (executable, *FLAGS, f"--user-data-dir={self.profile}",
                                                          "about:blank"))
        self.process = subprocess.Popen(
            [shutil.which("bash") or "/bin/bash", "-c", f"exec {command} 3<&{to_browser_read} 4>&{from_browser_write}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(to_browser_read, from_browser_write))
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(OSError, RuntimeError, TimeoutError):  # the browser may be gone already
            self.send("Browser.close")
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
        shutil.rmtree(self.profile, ignore_errors=True)

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send one command and return its result (raising on a protocol error)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        """The first event named `method` (earlier events are kept)."""
        for event in self._events:
            if event.get("method") == method:
                return event
        while True:
            event = self._receive()
            self._events.append(event)
            if event.get("method") == method:
                return event

    def _receive(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium exited")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def visit(self, path: str, script: str, javascript: bool = True, width: int = 1200) -> PageVisit:
        """Open the file `path` offline, evaluate `script` (an expression returning JSON-able data)
        once it has loaded, and take a full-page screenshot.

        Args:
            path: The HTML file.
            script: Evaluated in the page (the test's own probe; allowed even when the page's
                scripts are disabled).
            javascript: Whether the page's own scripts may run.
            width: The viewport width in CSS pixels.
        """
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self._events.clear()
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable", session)
        self.send("Network.emulateNetworkConditions", session, offline=True, latency=0, downloadThroughput=-1,
                  uploadThroughput=-1)
        self.send("Emulation.setScriptExecutionDisabled", session, value=not javascript)
        self.send("Emulation.setDeviceMetricsOverride", session, width=width, height=900, deviceScaleFactor=1,
                  mobile=False)
        url = "file://" + os.path.abspath(path)
        self.send("Page.navigate", session, url=url)
        self.wait_for("Page.loadEventFired")
        visit = PageVisit()
        evaluated = self.send("Runtime.evaluate", session, expression=f"JSON.stringify({script})", returnByValue=True)
        visit.values = json.loads(evaluated["result"]["value"])
        shot = self.send("Page.captureScreenshot", session, format="png", captureBeyondViewport=True)
        visit.screenshot = base64.b64decode(shot["data"])
        for event in self._events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Network.requestWillBeSent" and params["request"]["url"] != url:
                visit.requests.append(params["request"]["url"])
            elif method == "Runtime.consoleAPICalled":
                visit.console.append(params)
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                visit.console.append(params["entry"])
            elif method == "Runtime.exceptionThrown":
                visit.exceptions.append(params)
        self.send("Target.closeTarget", targetId=target)
        return visit


def _high(fd: int) -> int:
    """A copy of `fd` numbered 10 or more (the original is closed)."""
    import fcntl

    copy = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return copy
