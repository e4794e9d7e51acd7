"""The settings catalogue: every key declared once, complete, and read by the service from the
environment; the public sandbox keys in one place."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from flexiti_checkout._sandbox_keys import (
    APP_FALLBACKS,
    SANDBOX_ADMIN_KEY,
    SANDBOX_API_KEY,
    SANDBOX_SIGNING_KEY,
    SERVICE_FALLBACKS,
)
from flexiti_checkout.errors import ConfigurationError
from flexiti_checkout.web.settings.catalogue import (
    CATALOGUE,
    DEFAULTS,
    ServiceSettings,
    Settings,
    load_settings,
    setting_fields,
)
from flexiti_checkout.web.settings.environment import read_environment
from flexiti_checkout.web.settings.values import TOPICS, Setting

#: What a key needs beside it to be valid on its own in the environment.
LIVE = {
    "FLEXITI_CLIENT_ID": "shop-client-id",
    "FLEXITI_CLIENT_SECRET": "shop-client-secret",
    "FLEXITI_SIGNING_KEY": "shop-signing-key",
    "FLEXITI_API_KEYS": "shop-api-key-0123456789abcdef",
}
COMPANIONS: dict[str, dict[str, str]] = {
    "FLEXITI_ENVIRONMENT": LIVE,
    "FLEXITI_SHOP_WEBHOOK_URL": {
        "FLEXITI_SHOP_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    },
}
APP_FIELDS = dict((entry.key, name) for name, entry in setting_fields(Settings))
SERVICE_FIELDS = dict((entry.key, name) for name, entry in setting_fields(ServiceSettings))


def read(environ: dict[str, str]) -> dict[str, Any]:
    """Every setting's value when the service starts with ``environ``, by key."""
    service = read_environment(environ)
    settings = load_settings(dict(service.config))
    values = {key: getattr(settings, name) for key, name in APP_FIELDS.items()}
    return values | {key: getattr(service, name) for key, name in SERVICE_FIELDS.items()}


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda entry: entry.key)
def test_every_setting_is_complete(entry: Setting) -> None:
    """Each key has a default, a parser, a topic, a one-paragraph doc and a valid example."""
    assert entry.key.startswith("FLEXITI_") and entry.key.upper() == entry.key
    assert entry.key in DEFAULTS or entry.key in SERVICE_FIELDS
    assert callable(entry.parse)
    assert entry.topic in TOPICS
    assert len(entry.doc) > 40 and entry.doc.endswith((".", ")")) and "\n" not in entry.doc
    entry.parse(entry.key, entry.from_environ(entry.example))  # the example is a good value


def test_each_key_is_declared_once_and_feeds_one_field() -> None:
    """No key twice; every field of the settings records is a setting of the catalogue."""
    keys = [entry.key for entry in CATALOGUE]
    assert len(keys) == len(set(keys))
    assert set(keys) == set(DEFAULTS) | set(SERVICE_FIELDS)
    assert [name for name, _ in setting_fields(Settings)] == [
        name for name in Settings.__dataclass_fields__
    ]


def test_defaults_are_the_catalogues() -> None:
    """DEFAULTS is derived from the declarations, value for value."""
    assert {entry.key: entry.default for entry in CATALOGUE if entry.key in APP_FIELDS} == DEFAULTS


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda entry: entry.key)
def test_the_service_reads_every_key_from_the_environment(entry: Setting, tmp_path: Path) -> None:
    """Each key set in the environment (to its example) changes that setting, and only as its
    parser says; the same environment without it leaves the default."""
    base = {"FLEXITI_INSTANCE_PATH": str(tmp_path), **COMPANIONS.get(entry.key, {})}
    environ = {**base, entry.key: entry.example}

    found = read(environ)[entry.key]

    assert found == entry.parse(entry.key, entry.from_environ(entry.example))
    if entry.key != "FLEXITI_INSTANCE_PATH":
        assert read(base)[entry.key] != found


def test_the_signing_key_falls_back_to_secret_key_in_the_environment(tmp_path: Path) -> None:
    """As in app.config, SECRET_KEY stands in for FLEXITI_SIGNING_KEY; a list rotates keys."""
    service = read_environment({"SECRET_KEY": "new-key, old-key"})

    assert load_settings(dict(service.config)).signing_keys == ("new-key", "old-key")
    assert service.config["SECRET_KEY"] == "new-key"


def test_sandbox_mode_falls_back_to_the_public_keys_and_says_so(caplog) -> None:
    """With nothing set, the service signs, serves its API and its console with the public
    sandbox keys, each named in a warning; the app talks to the sandbox with its credentials."""
    with caplog.at_level(logging.WARNING):
        service = read_environment({})
    settings = load_settings(dict(service.config))

    assert settings.signing_keys == (SANDBOX_SIGNING_KEY,)
    assert settings.api_keys == (SANDBOX_API_KEY,)
    assert settings.admin_keys == (SANDBOX_ADMIN_KEY,)
    assert (settings.client_id, settings.client_secret) == tuple(APP_FALLBACKS.values())
    for key, fallback in SERVICE_FALLBACKS.items():
        assert f"{key} is not set" in caplog.text and repr(fallback) in caplog.text


def test_a_flask_shop_gets_only_the_sandbox_credentials() -> None:
    """The extension alone does not turn the console on, or sign, with a public key."""
    settings = load_settings({"SECRET_KEY": "shop-secret-key"})

    assert settings.admin_keys == () and settings.api_keys == ()
    assert settings.signing_keys == ("shop-secret-key",)
    with pytest.raises(ConfigurationError, match="FLEXITI_SIGNING_KEY"):
        load_settings({})


@pytest.mark.parametrize("missing", ["FLEXITI_SIGNING_KEY", "FLEXITI_API_KEYS"])
def test_outside_sandbox_the_service_needs_its_own_keys(missing: str) -> None:
    """Training and production never fall back to a public key: the refusal names the key."""
    environ = {**LIVE, "FLEXITI_ENVIRONMENT": "production"}
    del environ[missing]

    with pytest.raises(ConfigurationError, match=f"{missing} is required for the service"):
        read_environment(environ)


def test_outside_sandbox_the_console_stays_off_without_keys() -> None:
    """No admin key outside sandbox mode means no console, not a public key."""
    service = read_environment({**LIVE, "FLEXITI_ENVIRONMENT": "training"})

    assert "FLEXITI_ADMIN_KEYS" not in service.config


@pytest.mark.parametrize(
    ("prefix", "expected"), [("/flexiti", "/flexiti"), ("/pay/flexiti/", "/pay/flexiti"), ("/", "")]
)
def test_url_prefixes(prefix: str, expected: str) -> None:
    """The service's prefix is a path; ``/`` is the root."""
    assert read_environment({"FLEXITI_URL_PREFIX": prefix}).url_prefix == expected


@pytest.mark.parametrize("prefix", ["flexiti", "/pay flexiti", "/a?b", "/%2e"])
def test_bad_url_prefixes_are_refused_by_name(prefix: str) -> None:
    """A prefix that is not a plain path fails at start, naming FLEXITI_URL_PREFIX."""
    with pytest.raises(ConfigurationError, match="FLEXITI_URL_PREFIX must be a path"):
        read_environment({"FLEXITI_URL_PREFIX": prefix})
