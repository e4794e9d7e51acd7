"""Two sandbox apps on one state file behave as one sandbox, as the service's workers do.

Each app stands for a worker process: its own objects in memory, the same file on disk.
"""

from __future__ import annotations

import os
import pickle
import stat
import sys
import threading
from pathlib import Path

from flask import Flask

from flexiti_checkout.sandbox import create_app
from flexiti_checkout.sandbox.shared import SHARED_ATTRIBUTES, share_state
from support.sandbox_server import SandboxApi


def workers(path: Path, count: int = 2) -> list[tuple[Flask, SandboxApi]]:
    apps = []
    for _ in range(count):
        app = create_app({"PUBLIC_URL": "http://sandbox.test"})
        share_state(app, path)
        apps.append((app, SandboxApi(app.test_client())))
    return apps


def test_an_order_opened_by_one_worker_is_served_and_settled_by_another(tmp_path: Path) -> None:
    """Init on one, the hosted page and the approval on the other, the lookup on the first."""
    (_, first), (_, second) = workers(tmp_path / "sandbox.state")
    started = first.init(merchant_orderid="SHARED-1")
    assert started.status_code == 200, started.json
    token = started.json["redirection_url"].rsplit("/", 1)[-1]

    page = second.client.get(f"/sandbox/flow/{token}")
    assert page.status_code == 200
    assert 'name="outcome"' in page.text
    assert (
        second.client.post(f"/sandbox/flow/{token}", data={"outcome": "approve"}).status_code == 200
    )

    # A token issued by the first worker is valid on the second, and the reverse.
    order_id = started.json["online_order_id"]
    second._tokens = dict(first._tokens)
    looked_up = second.get(f"/online/client-id/{{cid}}/notifications/order-id/{order_id}")
    assert looked_up.status_code == 200, looked_up.json
    again = first.init(merchant_orderid="SHARED-2")
    assert again.json["online_order_id"] == order_id + 1  # one sequence of ids, not two


def test_knobs_set_on_one_worker_apply_on_every_worker(tmp_path: Path) -> None:
    (_, first), (_, second) = workers(tmp_path / "sandbox.state")
    first.knobs(callback_mode="drop")
    assert second.client.get("/_sandbox/faults").json["callback_mode"] == "drop"


def test_the_state_file_is_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "sandbox.state"
    ((_, api),) = workers(path, 1)
    assert api.init().status_code == 200
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(f"{path}.lock").st_mode) == 0o600


def test_a_latency_sleep_lets_the_other_workers_in(tmp_path: Path, monkeypatch) -> None:
    """While one request sleeps for the latency knob, another worker's request runs, and the
    sleeping one then sees what that request changed."""
    (_, first), (_, second) = workers(tmp_path / "sandbox.state")
    first.knobs(latency=0.01)
    first.token("customer")  # both tokens issued before the sleep is observed
    second._tokens = dict(first._tokens)
    during: list[int] = []

    def sleep(seconds: float) -> None:
        if during:  # the other worker's own latency sleep
            return
        during.append(0)

        def other_worker() -> None:
            during.append(second.init(merchant_orderid="DURING").json["online_order_id"])

        thread = threading.Thread(target=other_worker)
        thread.start()
        thread.join(10)
        assert not thread.is_alive(), "the other worker waited for the sleeping request"

    monkeypatch.setattr("flexiti_checkout.sandbox.app.time.sleep", sleep)
    after = first.init(merchant_orderid="AFTER")
    assert after.status_code == 200, after.json
    assert len(during) == 2, "the other worker's request did not finish during the sleep"
    assert after.json["online_order_id"] == during[1] + 1


def test_a_sandbox_configured_otherwise_starts_afresh(tmp_path: Path) -> None:
    """After a restart with other URLs, the state the old configuration left is not used."""
    path = tmp_path / "sandbox.state"
    ((_, before),) = workers(path, 1)
    assert before.init(merchant_orderid="BEFORE").status_code == 200
    after = create_app({"PUBLIC_URL": "http://sandbox.test", "SUCCESS_URL": "/elsewhere"})
    share_state(after, path)
    client = after.test_client()
    assert client.get("/_sandbox/orders").json["orders"] == []
    assert client.get("/_sandbox/settings").json["success_url"] == "/elsewhere"


def test_an_unreadable_state_file_is_replaced(tmp_path: Path, caplog) -> None:
    path = tmp_path / "sandbox.state"
    path.write_bytes(b"not a pickle")
    ((_, api),) = workers(path, 1)
    assert api.init().status_code == 200
    assert "could not be read" in caplog.text
    ((_, again),) = workers(path, 1)
    assert len(again.client.get("/_sandbox/orders").json["orders"]) == 1


def test_another_thread_of_the_sleeping_worker_takes_the_lock_too(tmp_path, monkeypatch) -> None:
    """During the pause, a second request of the same worker loads what others changed."""
    (_, first), (_, second) = workers(tmp_path / "sandbox.state")
    first.knobs(latency=0.01)
    first.token("customer")
    second._tokens = dict(first._tokens)
    ids: list[int] = []

    def in_thread(api: SandboxApi, merchant_order_id: str) -> None:
        def call() -> None:
            ids.append(api.init(merchant_orderid=merchant_order_id).json["online_order_id"])

        thread = threading.Thread(target=call)
        thread.start()
        thread.join(10)
        assert not thread.is_alive()

    def sleep(seconds: float) -> None:
        if ids:  # the other requests' own latency sleeps
            return
        ids.append(0)
        in_thread(second, "OTHER-WORKER")  # another process changes the state
        in_thread(first, "SAME-WORKER")  # then another thread of the sleeping one

    monkeypatch.setattr("flexiti_checkout.sandbox.app.time.sleep", sleep)
    last = first.init(merchant_orderid="SLEEPER").json["online_order_id"]
    assert ids[1:] == [ids[1], ids[1] + 1]
    assert last == ids[1] + 2  # three orders, three ids: nobody worked on a stale state


def test_the_callback_log_is_read_while_no_delivery_thread_writes_it(tmp_path, monkeypatch):
    """Deliveries append to the callback log from their own threads, outside any request."""
    ((app, api),) = workers(tmp_path / "sandbox.state", 1)
    dispatcher = app.extensions["flexiti_sandbox"].callbacks
    held: list[bool] = []
    dumps = pickle.dumps

    def watched(value, *args, **kwargs):
        held.append(dispatcher.lock.locked())
        return dumps(value, *args, **kwargs)

    monkeypatch.setattr("flexiti_checkout.sandbox.shared.pickle.dumps", watched)
    assert api.init().status_code == 200
    assert held and all(held)


def test_on_windows_the_one_process_keeps_its_own_state(tmp_path, monkeypatch) -> None:
    """No fcntl and no gunicorn there: the sandbox works as before, with no file."""
    monkeypatch.setattr(sys, "platform", "win32")
    app = create_app({"PUBLIC_URL": "http://sandbox.test"})
    path = tmp_path / "sandbox.state"
    assert share_state(app, path) is None
    assert SandboxApi(app.test_client()).init().status_code == 200
    assert not path.exists()


#: What each part of the state holds besides its shared data: machinery, or set at start.
NOT_SHARED = {
    "": {"callbacks", "clock", "initial", "ledger", "lock", "orders", "requests", "tokens"},
    "tokens": {"_clock", "_lock"},
    "orders": {"_id_offset", "_lock"},  # the offset is configuration: the same in every worker
    "ledger": {"_id_offset", "_initial_online_status", "_seed", "lock"},
    "requests": {"_lock"},
    "callbacks": {"_clock", "_generation", "_session", "_stop", "_threads", "lock"},
}


def test_every_piece_of_sandbox_data_is_shared() -> None:
    """A new attribute of the sandbox's state must be listed as shared or as machinery."""
    state = create_app({}).extensions["flexiti_sandbox"]
    for name, shared in SHARED_ATTRIBUTES.items():
        part = getattr(state, name) if name else state
        assert set(vars(part)) == set(shared) | NOT_SHARED[name], name
