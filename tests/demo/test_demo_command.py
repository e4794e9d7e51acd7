"""``python -m flexiti_checkout.demo`` as ``make demo`` runs it: its own instance folder, the
console's address and key said once, and Ctrl+C (SIGINT) ending it cleanly within 3 seconds."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

pytestmark = [pytest.mark.live, pytest.mark.timing]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_demo_keeps_apart_says_its_console_once_and_stops_on_ctrl_c(tmp_path):
    """Started with nothing set: store in instance/demo (the service's is instance), the console
    URL and key printed once, and SIGINT stops everything within 3 s with exit status 0."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLEXITI_")}
    port, sandbox_port = free_port(), free_port()
    log = tmp_path / "demo.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "flexiti_checkout.demo", "--port", str(port),
             "--sandbox-port", str(sandbox_port), "--workers", "2"],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while "Stop with Ctrl+C." not in log.read_text(errors="replace"):
                assert process.poll() is None, log.read_text(errors="replace")
                assert time.monotonic() < deadline, "the demo did not start in time"
                time.sleep(0.2)
            session = requests.Session()  # a browser's keep-alive connection stays open
            assert session.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
            started = time.monotonic()
            process.send_signal(signal.SIGINT)
            try:
                code = process.wait(10)
            except subprocess.TimeoutExpired:
                pytest.fail(f"still running 10 s after SIGINT:\n{log.read_text(errors='replace')}")
            took = time.monotonic() - started
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    text = log.read_text(errors="replace")
    assert code == 0 and took < 3, f"exit {code} after {took:.1f} s:\n{text}"
    assert "Traceback" not in text and "SIGKILL" not in text, text
    console = (
        f"Staff console:    http://127.0.0.1:{port}/flexiti/admin/ (key flexiti-sandbox-admin-key)"
    )
    assert text.count(console) == 1 and text.count("flexiti-sandbox-admin-key") == 1, text
    assert (tmp_path / "instance" / "demo").is_dir()
    assert not (tmp_path / "instance" / "flexiti.sqlite3").exists()
