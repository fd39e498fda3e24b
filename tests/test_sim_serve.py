"""`textual serve` runs the demo in a browser: the server answers with the app's page.

Started as the README says (`textual serve "python -m simulator"`), on a free loopback
port, polled with a deadline, then stopped with its whole process group.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from tests.sim_support import WAIT_S, real_now

TITLE = "POS terminal simulator"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=1.0) as answer:
            body: bytes = answer.read()
            return body.decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def test_textual_serve_answers_with_the_demo_page(tmp_path: Path) -> None:
    port = free_port()
    textual_cli = [sys.executable, "-c", "from textual_dev.cli import run; run()"]
    command = [
        *textual_cli, "serve", "-c", "-h", "127.0.0.1", "-p", str(port), "-t", TITLE,
        f"{sys.executable} -m simulator",
    ]  # fmt: skip
    server = subprocess.Popen(
        command,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = real_now() + 3 * WAIT_S
        page = fetch(f"http://127.0.0.1:{port}/")
        while page is None:
            assert server.poll() is None, f"textual serve exited with {server.returncode}"
            assert real_now() < deadline, "expected textual serve to answer, found no answer"
            page = fetch(f"http://127.0.0.1:{port}/")
        assert TITLE in page
        assert f"ws://127.0.0.1:{port}/ws" in page  # where the browser runs the app
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=WAIT_S)
