"""Signer: tokens the browser carries are signed, time-limited, purpose-bound and rotatable."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from flexiti_checkout.web.signing import BadTokenError, Signer
from support.clocks import FakeClock

NOW = 1_700_000_000


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    clock = FakeClock(NOW)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", clock)
    return clock


def returns(*keys: str) -> Signer:
    return Signer(list(keys), salt="return")


@pytest.mark.parametrize(
    "data",
    [
        {"order": "A-1"},
        {"order": "A-1", "online_order_id": "131209", "attempt": 2, "guest": True},
        {"text": "élève à Montréal", "nested": {"list": [1, "two", None]}},
        {},
    ],
)
def test_round_trip(data: dict[str, Any]) -> None:
    """What is signed comes back unchanged, as a dict."""
    signer = returns("key")
    assert signer.loads(signer.dumps(data), max_age=60) == data


def test_token_is_url_safe() -> None:
    """A token can go in a URL path or query string without escaping."""
    token = returns("key").dumps({"order": "A/1 ?&="})
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_single_key_may_be_a_string() -> None:
    """One key can be given as a plain string rather than a list."""
    token = Signer("key", salt="return").dumps({"order": "A-1"})
    assert returns("key").loads(token, max_age=60) == {"order": "A-1"}


def test_old_key_still_verifies_when_listed_second() -> None:
    """After rotation, tokens signed with the previous key keep working."""
    token = returns("old").dumps({"order": "A-1"})
    assert returns("new", "old").loads(token, max_age=60) == {"order": "A-1"}


def test_first_key_signs() -> None:
    """Keys are newest first: the first one signs, so the old key alone cannot verify."""
    token = returns("new", "old").dumps({"order": "A-1"})
    assert returns("new").loads(token, max_age=60) == {"order": "A-1"}
    with pytest.raises(BadTokenError) as caught:
        returns("old").loads(token, max_age=60)
    assert not caught.value.expired


def test_retired_key_no_longer_verifies() -> None:
    """A token signed with a key no longer listed is refused as invalid, not as expired."""
    token = returns("retired").dumps({"order": "A-1"})
    with pytest.raises(BadTokenError) as caught:
        returns("newer", "new").loads(token, max_age=60)
    assert not caught.value.expired


def test_salts_separate_purposes() -> None:
    """A return token cannot be used as a modal token, even with the same keys."""
    token = Signer(["key"], salt="return").dumps({"order": "A-1"})
    with pytest.raises(BadTokenError) as caught:
        Signer(["key"], salt="modal").loads(token, max_age=60)
    assert not caught.value.expired


@pytest.mark.parametrize(
    ("age", "max_age", "valid"),
    [
        (0, 60, True),
        (60, 60, True),
        (61, 60, False),
        (60, 60.5, True),
        (61, 60.5, False),
        (3600, 60, False),
    ],
)
def test_expiry(clock: FakeClock, age: int, max_age: float, valid: bool) -> None:
    """A token is good for max_age seconds after signing, then refused as expired."""
    signer = returns("key")
    token = signer.dumps({"order": "A-1"})
    clock.now += age
    if valid:
        assert signer.loads(token, max_age=max_age) == {"order": "A-1"}
    else:
        with pytest.raises(BadTokenError) as caught:
            signer.loads(token, max_age=max_age)
        assert caught.value.expired
        assert "expired" in str(caught.value)


def test_expired_token_signed_with_old_key_is_expired(clock: FakeClock) -> None:
    """Expiry is told apart from forgery for tokens signed with a rotated-out-but-listed key."""
    token = returns("old").dumps({"order": "A-1"})
    clock.now += 120
    with pytest.raises(BadTokenError) as caught:
        returns("new", "old").loads(token, max_age=60)
    assert caught.value.expired


def _tamper_payload(token: str) -> str:
    _payload, timestamp, signature = token.split(".")
    forged = base64.urlsafe_b64encode(json.dumps({"order": "B-2"}).encode()).rstrip(b"=")
    return f"{forged.decode()}.{timestamp}.{signature}"


def _tamper_timestamp(token: str) -> str:
    payload, _timestamp, signature = token.split(".")
    later = base64.urlsafe_b64encode((NOW + 10**6).to_bytes(4, "big")).rstrip(b"=")
    return f"{payload}.{later.decode()}.{signature}"


def _flip_last_signature_char(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.mark.parametrize(
    "tamper",
    [
        _tamper_payload,
        _tamper_timestamp,
        _flip_last_signature_char,
        lambda token: token[:-3],
        lambda token: token + "x",
        lambda token: token.replace(".", "", 1),
        lambda token: token.split(".")[0],
        lambda token: "." + token,
    ],
    ids=[
        "payload",
        "timestamp",
        "signature",
        "truncated",
        "extended",
        "separator",
        "payload-only",
        "prefixed",
    ],
)
def test_tampered_token_is_invalid(clock: FakeClock, tamper: Any) -> None:
    """Any change to a token makes it invalid (not expired)."""
    signer = returns("key")
    token = signer.dumps({"order": "A-1"})
    with pytest.raises(BadTokenError) as caught:
        signer.loads(tamper(token), max_age=60)
    assert not caught.value.expired
    assert "not valid" in str(caught.value)


@pytest.mark.parametrize(
    "token",
    [None, b"bytes", 123, ["a"], {"order": "A-1"}, "", "garbage", "a.b.c", "ü.é.ö", "\x00"],
)
def test_garbage_is_refused_with_bad_token(token: Any) -> None:
    """Whatever the browser sends, the caller sees BadTokenError, never another exception."""
    with pytest.raises(BadTokenError) as caught:
        returns("key").loads(token, max_age=60)
    assert not caught.value.expired


def test_itsdangerous_errors_do_not_leak() -> None:
    """BadTokenError hides the itsdangerous error (and the payload it carries) from tracebacks."""
    token = returns("other").dumps({"order": "A-1"})
    with pytest.raises(BadTokenError) as caught:
        returns("key").loads(token, max_age=60)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_only_dicts_come_out() -> None:
    """A validly signed token whose payload is not an object is refused."""
    token = URLSafeTimedSerializer("key", salt="return").dumps(["A-1"])
    with pytest.raises(BadTokenError):
        returns("key").loads(token, max_age=60)


@pytest.mark.parametrize(
    ("keys", "salt", "problem"),
    [
        ([], "return", "at least one secret key"),
        ("", "return", "#1 of 1 is blank"),
        ("   ", "return", "#1 of 1 is blank"),
        (["new", ""], "return", "#2 of 2 is blank"),
        (["new", None], "return", "#2 of 2 is blank or not a string"),
        (["key"], "", "salt"),
    ],
)
def test_bad_configuration(keys: Any, salt: str, problem: str) -> None:
    """Empty or blank keys, or no salt, are refused with a message naming the problem."""
    with pytest.raises(ValueError, match=problem):
        Signer(keys, salt=salt)


@pytest.mark.parametrize("max_age", [0, -1, float("nan"), float("inf")])
def test_max_age_must_be_positive(max_age: float) -> None:
    """A max_age that would accept nothing or everything is a programming error."""
    signer = returns("key")
    with pytest.raises(ValueError, match="max_age"):
        signer.loads(signer.dumps({}), max_age=max_age)


@pytest.mark.parametrize("data", [["A-1"], "A-1", None])
def test_dumps_takes_a_mapping(data: Any) -> None:
    """Only mappings are signed, so loads can promise a dict."""
    with pytest.raises(TypeError):
        returns("key").dumps(data)


def test_repr_hides_keys() -> None:
    """The keys are secrets and never appear in a repr."""
    assert "s3cret" not in repr(Signer(["s3cret-new", "s3cret-old"], salt="return"))
