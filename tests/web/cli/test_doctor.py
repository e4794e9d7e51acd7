"""``flask flexiti doctor``: passing on a shop ready to go live, failing for each broken setting."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import pytest
from flask import Flask

from flexiti_checkout import FlexitiCheckout
from support.apps import close_app
from support.sandbox_server import SandboxServer
from support.shop_server import make_shop_app

SECRET = "callback-secret-0123456789"
CHECK_NAMES = [
    "store schema", "store shared by every host", "secret key", "session cookie",
    "callback secret", "callback URL", "clock", "customer credentials (payment availability)",
    "merchant credentials (order lookup)", "customer credentials (payment calculator)",
    "widget init (apply/buy)",
]  # fmt: skip


def ready(sandbox: SandboxServer) -> dict[str, Any]:
    """A shop set up as for production, talking to the sandbox as to Flexiti's training hosts."""
    return {
        "FLEXITI_ENVIRONMENT": "training",
        "FLEXITI_CLIENT_ID": "flexitidemo",
        "FLEXITI_CLIENT_SECRET": sandbox.state.settings.client_secret,
        "FLEXITI_POS_API_URL": sandbox.pos_api_url,
        "SECRET_KEY": "a-long-random-secret-key-0123456789",
        "SESSION_COOKIE_SECURE": True,
        "FLEXITI_CALLBACK_SECRET": SECRET,
    }


def doctor(sandbox: SandboxServer, tmp_path, *args: str, **config: Any) -> tuple[int, str]:
    app, _ = make_shop_app(sandbox, tmp_path, **config)
    try:
        result = app.test_cli_runner().invoke(args=["flexiti", "doctor", *args])
    finally:
        close_app(app)
    return result.exit_code, result.output


def failures(output: str) -> list[str]:
    return [line.split(":")[0].removeprefix("FAIL  ") for line in output.splitlines()
            if line.startswith("FAIL")]  # fmt: skip


def test_a_shop_ready_to_go_live_passes_every_check(sandbox, tmp_path):
    """Every check passes, each on a line of its own, and the doctor exits 0."""
    code, output = doctor(sandbox, tmp_path, "--url", "https://shop.example", **ready(sandbox))
    assert (code, failures(output)) == (0, []), output
    assert [line.split(":")[0].removeprefix("OK    ") for line in output.splitlines()[:-1]] == (
        CHECK_NAMES
    )
    assert output.splitlines()[-1] == f"{len(CHECK_NAMES)} of {len(CHECK_NAMES)} checks passed."
    assert "https://shop.example/flexiti/callback/<FLEXITI_CALLBACK_SECRET>" in output
    assert SECRET not in output


def test_sandbox_mode_passes_without_production_settings(sandbox, tmp_path):
    """In sandbox mode an http callback URL, no callback secret and a plain cookie are fine."""
    code, output = doctor(sandbox, tmp_path, "--url", "http://127.0.0.1:5000")
    assert (code, failures(output)) == (0, []), output


@pytest.mark.parametrize(
    ("args", "changes", "failed", "advice"),
    [
        ((), {}, ["callback URL"], "--url https://your-shop.example"),
        (("--url", "http://shop.example"), {}, ["callback URL"], "--url"),
        (("--url", "https://192.168.1.20"), {}, ["callback URL"], "--url"),
        (("--url", "https://localhost:8443"), {}, ["callback URL"], "--url"),
        (("--hosts", "2"), {}, ["store shared by every host"], "PostgreSQL"),
        ((), {"SECRET_KEY": "short"}, ["secret key"], "SECRET_KEY"),
        ((), {"SESSION_COOKIE_SECURE": False}, ["session cookie"], "SESSION_COOKIE_SECURE"),
        ((), {"FLEXITI_CALLBACK_SECRET": None}, ["callback secret"], "FLEXITI_CALLBACK_SECRET"),
        (
            (),
            {"FLEXITI_CLIENT_SECRET": "not-the-secret"},
            [
                "customer credentials (payment availability)",
                "merchant credentials (order lookup)",
                "customer credentials (payment calculator)",
                "widget init (apply/buy)",
            ],
            "client id, secret",
        ),
        (("--flow", "buy"), {}, ["widget init (buy)"], "--customer-id"),
    ],
)
def test_each_broken_setting_fails_its_check_with_what_to_do(
    sandbox, tmp_path, args, changes, failed, advice
):
    """One broken setting: its check fails, says what to do, and the doctor exits 1."""
    config = {key: value for key, value in {**ready(sandbox), **changes}.items()
              if value is not None}  # fmt: skip
    if "--url" not in args and failed != ["callback URL"]:
        args = (*args, "--url", "https://shop.example")
    code, output = doctor(sandbox, tmp_path, *args, **config)
    assert (code, failures(output)) == (1, failed), output
    assert advice in output


@pytest.mark.sandbox_config({"NUMERIC_MERCHANT_ORDER_IDS": True})
@pytest.mark.parametrize(("numeric", "code"), [(False, 1), (True, 0)])
def test_an_account_that_takes_only_numeric_order_ids(sandbox, tmp_path, numeric, code):
    """Flexiti refusing the shop's order ids fails widget init with the setting to turn on;
    FLEXITI_NUMERIC_ORDER_IDS makes it pass."""
    config = {**ready(sandbox), "FLEXITI_NUMERIC_ORDER_IDS": numeric}
    exit_code, output = doctor(sandbox, tmp_path, "--url", "https://shop.example", **config)
    assert exit_code == code, output
    assert ("FLEXITI_NUMERIC_ORDER_IDS" in output) is (not numeric)


@pytest.mark.sandbox_config({"CLOCK": lambda: time.time() - 600})
def test_a_clock_ten_minutes_off_flexitis_fails(sandbox, tmp_path):
    """The Date of Flexiti's answers is compared with this host's clock."""
    code, output = doctor(sandbox, tmp_path, "--url", "https://shop.example", **ready(sandbox))
    assert (code, failures(output)) == (1, ["clock"]), output
    assert "ahead of Flexiti's" in output and "NTP" in output


def test_the_console_serves_the_checklist_to_staff_only(tmp_path):
    """/flexiti/admin/doctor answers the same checks as JSON, to staff, 503 when one fails."""
    allowed: list[Any] = [None]
    app = Flask("shop", instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="test-secret-key-0123456789abcdef",
                      FLEXITI_STORE_URL=f"sqlite:///{tmp_path / 'flexiti.sqlite3'}")  # fmt: skip
    FlexitiCheckout(app, admin_access=lambda: allowed[0])
    try:
        client = app.test_client()
        assert client.get("/flexiti/admin/doctor").status_code == 403
        allowed[0] = "Sam"
        answer = client.get("/flexiti/admin/doctor?url=http://127.0.0.1:5000")
        assert answer.status_code == 200, answer.json
        assert answer.json["ok"] is True
        assert [check["name"] for check in answer.json["checks"]] == CHECK_NAMES
        refused = client.get("/flexiti/admin/doctor?flow=buy")
        assert refused.status_code == 503 and refused.json["ok"] is False
        assert client.get("/flexiti/admin/doctor?flow=nope").status_code == 400
    finally:
        close_app(app)


@pytest.mark.live  # the service's own command, in a process of its own
def test_the_service_has_the_same_command(tmp_path):
    """The standalone service runs the doctor through its own CLI."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "flexiti_checkout.service:create_app()",
         "flexiti", "doctor", "--url", "http://127.0.0.1:8000"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={"FLEXITI_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        done.stdout.splitlines()[-1] == f"{len(CHECK_NAMES)} of {len(CHECK_NAMES)} checks passed."
    )
