"""load_settings and parse_duration: every FLEXITI_* key's default, validation and error message."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from flexiti_checkout import FlexitiCheckout
from flexiti_checkout.client.flexiti import ENVIRONMENTS
from flexiti_checkout.errors import ConfigurationError
from flexiti_checkout.sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from flexiti_checkout.web.settings.catalogue import (
    DEFAULTS,
    Settings,
    load_settings,
    parse_duration,
)

SECRET_KEY = "test-secret-key-0123456789abcdef"
#: The bytes key of Flask's quickstart: random bytes, not UTF-8.
FLASK_QUICKSTART_KEY = b'_5#y2L"F4Q8z\n\xec]/'


def settings_of(**config: Any) -> Settings:
    """The settings of a config holding ``config`` plus a Flask ``SECRET_KEY``."""
    return load_settings({"SECRET_KEY": SECRET_KEY, **config})


def refusal(**config: Any) -> str:
    """The message of the ConfigurationError that ``config`` raises."""
    with pytest.raises(ConfigurationError) as caught:
        settings_of(**config)
    return str(caught.value)


# -- defaults ------------------------------------------------------------------------------------


def test_defaults_are_filled_into_the_config() -> None:
    """Every key of DEFAULTS is set in the config with its default; keys already set are kept."""
    config: dict[str, Any] = {"SECRET_KEY": SECRET_KEY, "FLEXITI_TIMEOUT": 30}

    load_settings(config)

    assert config == {**DEFAULTS, "SECRET_KEY": SECRET_KEY, "FLEXITI_TIMEOUT": 30}


def test_defaults_make_a_working_sandbox_setup() -> None:
    """With nothing set, the settings are sandbox mode with the documented default values."""
    settings = settings_of()

    assert settings.environment == "sandbox"
    assert settings.embedded_sandbox
    assert settings.pending_expiry == 2 * 3600
    assert settings.timeout == (3.05, 10.0)
    assert settings.max_retries == 2
    assert settings.allowed_redirect_hosts == ()
    assert settings.default_lang == "en"
    assert settings.max_callback_bytes == 64 * 1024
    assert settings.lookup_interval == 2.0
    assert settings.callback_secret is None
    assert settings.store_url is None


# -- environment and credentials -----------------------------------------------------------------


def test_sandbox_needs_no_credentials() -> None:
    """Sandbox mode without FLEXITI_CLIENT_ID or _SECRET uses the sandbox's demo credentials."""
    settings = settings_of(FLEXITI_ENVIRONMENT="sandbox")

    assert (settings.client_id, settings.client_secret) == (
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
    )


@pytest.mark.parametrize("environment", ["training", "production"])
@pytest.mark.parametrize("missing", ["FLEXITI_CLIENT_ID", "FLEXITI_CLIENT_SECRET"])
def test_live_environments_require_credentials(environment: str, missing: str) -> None:
    """Training and production refuse to start without a client id or secret, naming the key."""
    config = {"FLEXITI_CLIENT_ID": "shop-id", "FLEXITI_CLIENT_SECRET": "shop-secret"}
    config[missing] = "  "

    message = refusal(FLEXITI_ENVIRONMENT=environment, **config)

    assert message.startswith(f"{missing} is required when FLEXITI_ENVIRONMENT is '{environment}'")


@pytest.mark.parametrize("environment", ["training", "production"])
def test_live_environments_default_to_flexitis_urls(environment: str) -> None:
    """With credentials and no API URLs, a live environment talks to Flexiti's own hosts."""
    settings = settings_of(
        FLEXITI_ENVIRONMENT=f" {environment.upper()} ",
        FLEXITI_CLIENT_ID="shop-id",
        FLEXITI_CLIENT_SECRET="shop-secret",
    )

    assert settings.environment == environment
    assert (settings.online_api_url, settings.pos_api_url) == ENVIRONMENTS[environment]
    assert not settings.embedded_sandbox


def test_sandbox_pos_url_follows_the_online_url() -> None:
    """A sandbox given only its Online API URL finds the POS API beside it."""
    settings = settings_of(FLEXITI_ONLINE_API_URL="http://127.0.0.1:8001/flexiti/online-api/")

    assert settings.online_api_url == "http://127.0.0.1:8001/flexiti/online-api"
    assert settings.pos_api_url == "http://127.0.0.1:8001/flexiti/pos-api/v2.5"
    assert not settings.embedded_sandbox


def test_repr_shows_no_secret() -> None:
    """The settings' repr names the environment and client id, never a secret or signing key."""
    settings = settings_of(
        FLEXITI_ENVIRONMENT="production",
        FLEXITI_CLIENT_ID="shop-id",
        FLEXITI_CLIENT_SECRET="shop-secret-value",
        FLEXITI_CALLBACK_SECRET="callback-secret-0123456789",
    )

    assert repr(settings) == "Settings(environment='production', client_id='shop-id')"


# -- malformed values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("FLEXITI_ENVIRONMENT", "staging"),
        ("FLEXITI_ENVIRONMENT", ""),
        ("FLEXITI_PENDING_EXPIRY", "soon"),
        ("FLEXITI_PENDING_EXPIRY", -5),
        ("FLEXITI_PENDING_EXPIRY", 0),
        ("FLEXITI_PENDING_EXPIRY", "0m"),
        ("FLEXITI_PENDING_EXPIRY", True),
        ("FLEXITI_PENDING_EXPIRY", float("nan")),
        ("FLEXITI_PENDING_EXPIRY", float("inf")),
        ("FLEXITI_LOOKUP_INTERVAL", "2 weeks"),
        ("FLEXITI_REQUEST_BUDGET", "30s"),
        ("FLEXITI_REQUEST_BUDGET", "0"),
        ("FLEXITI_TIMEOUT", "fast"),
        ("FLEXITI_TIMEOUT", 0),
        ("FLEXITI_TIMEOUT", (3, "slow")),
        ("FLEXITI_MAX_RETRIES", "many"),
        ("FLEXITI_MAX_RETRIES", 99),
        ("FLEXITI_MAX_RETRIES", -1),
        ("FLEXITI_MAX_RETRIES", 1.5),
        ("FLEXITI_ALLOWED_REDIRECT_HOSTS", "evil/path"),
        ("FLEXITI_ALLOWED_REDIRECT_HOSTS", ["shop.example.com", "https://evil.example"]),
        ("FLEXITI_ALLOWED_REDIRECT_HOSTS", 443),
        ("FLEXITI_CALLBACK_SECRET", "too-short"),
        ("FLEXITI_CALLBACK_SECRET", "has/slashes/in/it/0123456789"),
        ("FLEXITI_CALLBACK_SECRET", "spaces are not allowed here"),
        ("FLEXITI_CALLBACK_SECRET", "x" * 129),
        ("FLEXITI_DEFAULT_LANG", "de"),
        ("FLEXITI_DEFAULT_LANG", ""),
        ("FLEXITI_DEFAULT_LANG", "english"),
        ("FLEXITI_ONLINE_API_URL", "ftp://x"),
        ("FLEXITI_ONLINE_API_URL", "onlineapi.flexiti.fi"),
        ("FLEXITI_POS_API_URL", "http:///no-host"),
        ("FLEXITI_ONLINE_API_URL", 8001),
        ("FLEXITI_STORE_URL", ["sqlite://"]),
        ("FLEXITI_MAX_CALLBACK_BYTES", "lots"),
        ("FLEXITI_MAX_CALLBACK_BYTES", 100),
        ("FLEXITI_MAX_CALLBACK_BYTES", 11 << 20),
        ("FLEXITI_ANONYMOUS_CALLBACK_LIMIT", "600"),
        ("FLEXITI_ANONYMOUS_CALLBACK_LIMIT", "many/1m"),
        ("FLEXITI_ANONYMOUS_CALLBACK_LIMIT", "0/1m"),
        ("FLEXITI_ANONYMOUS_CALLBACK_LIMIT", "-5/1m"),
        ("FLEXITI_ANONYMOUS_CALLBACK_LIMIT", "600/soon"),
        ("FLEXITI_ANONYMOUS_CALLBACK_LIMIT", "600/0"),
    ],
)
def test_malformed_values_are_refused_by_name(key: str, value: Any) -> None:
    """A malformed value fails with a ConfigurationError whose message names its key."""
    assert key in refusal(**{key: value})


# -- values and what they become -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("90s", 90.0),
        ("10m", 600.0),
        ("2h", 7200.0),
        ("1d", 86400.0),
        ("500ms", 0.5),
        ("1.5h", 5400.0),
        (" 45 ", 45.0),
        ("30 m", 1800.0),
        (600, 600.0),
        (0.25, 0.25),
    ],
)
def test_durations(value: Any, seconds: float) -> None:
    """Durations are seconds, or a number with ms, s, m, h or d."""
    assert parse_duration("FLEXITI_PENDING_EXPIRY", value) == seconds
    assert settings_of(FLEXITI_PENDING_EXPIRY=value).pending_expiry == seconds


def test_zero_duration_only_where_allowed() -> None:
    """Zero is refused unless the caller allows it (``--older-than 0``)."""
    assert parse_duration("--older-than", "0m", allow_zero=True) == 0.0
    with pytest.raises(ConfigurationError, match="--older-than must be longer than zero"):
        parse_duration("--older-than", "0m")


@pytest.mark.parametrize(
    ("value", "timeout"),
    [
        (10, (3.05, 10.0)),
        (2, (2.0, 2.0)),
        ("30s", (3.05, 30.0)),
        ((1, "5s"), (1.0, 5.0)),
        ([2, 20], (2.0, 20.0)),
    ],
)
def test_timeouts(value: Any, timeout: tuple[float, float]) -> None:
    """FLEXITI_TIMEOUT is a read timeout (connect capped at 3.05 s) or a (connect, read) pair."""
    assert settings_of(FLEXITI_TIMEOUT=value).timeout == timeout


@pytest.mark.parametrize(
    ("value", "hosts"),
    [
        ("Shop.Example.com, pay.example.com:8443", ("shop.example.com", "pay.example.com:8443")),
        (["shop.example.com", " ", "cdn.example.com"], ("shop.example.com", "cdn.example.com")),
        ("", ()),
        (None, ()),
    ],
)
def test_allowed_redirect_hosts(value: Any, hosts: tuple[str, ...]) -> None:
    """Redirect hosts come as a comma-separated string or a list, lowercased, blanks dropped."""
    assert settings_of(FLEXITI_ALLOWED_REDIRECT_HOSTS=value).allowed_redirect_hosts == hosts


@pytest.mark.parametrize(
    ("key", "value", "attribute", "expected"),
    [
        ("FLEXITI_DEFAULT_LANG", "fr", "default_lang", "fr"),
        ("FLEXITI_DEFAULT_LANG", "FR-CA", "default_lang", "fr"),
        ("FLEXITI_MAX_RETRIES", "0", "max_retries", 0),
        ("FLEXITI_MAX_RETRIES", 10, "max_retries", 10),
        ("FLEXITI_MAX_CALLBACK_BYTES", 1024, "max_callback_bytes", 1024),
        (
            "FLEXITI_CALLBACK_SECRET",
            " k3Y_-k3Y_-k3Y_-k3Y_ ",
            "callback_secret",
            "k3Y_-k3Y_-k3Y_-k3Y_",
        ),
        ("FLEXITI_CALLBACK_SECRET", "", "callback_secret", None),
        ("FLEXITI_STORE_URL", " sqlite:///shop.db ", "store_url", "sqlite:///shop.db"),
        ("FLEXITI_SUCCESS_ENDPOINT", "shop.thanks", "success_endpoint", "shop.thanks"),
        ("FLEXITI_LOOKUP_INTERVAL", "500ms", "lookup_interval", 0.5),
        ("FLEXITI_REQUEST_BUDGET", "2s", "request_budget", 2.0),
        ("FLEXITI_ANONYMOUS_CALLBACK_LIMIT", "600/1m", "anonymous_callback_limit", (600, 60.0)),
        ("FLEXITI_ANONYMOUS_CALLBACK_LIMIT", " 50 / 10s ", "anonymous_callback_limit", (50, 10.0)),
    ],
)
def test_good_values(key: str, value: Any, attribute: str, expected: Any) -> None:
    """Good values are accepted and normalised (trimmed, lowercased, parsed)."""
    assert getattr(settings_of(**{key: value}), attribute) == expected


# -- signing keys --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "keys"),
    [
        ({"SECRET_KEY": "flask-key"}, ("flask-key",)),
        ({"SECRET_KEY": b"flask-key"}, ("flask-key",)),
        ({"SECRET_KEY": FLASK_QUICKSTART_KEY}, ('_5#y2L"F4Q8z\n\xec]/',)),
        ({"SECRET_KEY": "flask-key", "FLEXITI_SIGNING_KEY": "own-key"}, ("own-key",)),
        ({"FLEXITI_SIGNING_KEY": ["new-key", "old-key"]}, ("new-key", "old-key")),
        ({"FLEXITI_SIGNING_KEY": ("new-key", b"old-key", "  ")}, ("new-key", "old-key")),
    ],
)
def test_signing_keys(config: dict[str, Any], keys: tuple[str, ...]) -> None:
    """FLEXITI_SIGNING_KEY wins over SECRET_KEY; a list rotates keys, newest first."""
    assert load_settings(dict(config)).signing_keys == keys


@pytest.mark.parametrize("config", [{}, {"SECRET_KEY": ""}, {"FLEXITI_SIGNING_KEY": [" "]}])
def test_missing_signing_key_names_both_keys(config: dict[str, Any]) -> None:
    """Without any signing key the refusal names FLEXITI_SIGNING_KEY and SECRET_KEY."""
    with pytest.raises(ConfigurationError) as caught:
        load_settings(dict(config))

    assert "FLEXITI_SIGNING_KEY" in str(caught.value)
    assert "SECRET_KEY" in str(caught.value)


# -- through the extension -----------------------------------------------------------------------


def shop_app(tmp_path, **config: Any) -> Flask:
    app = Flask("shop", instance_path=str(tmp_path / "instance"))
    app.config.update(
        SECRET_KEY=SECRET_KEY,
        FLEXITI_STORE_URL=f"sqlite:///{tmp_path / 'flexiti.sqlite3'}",
        **config,
    )
    return app


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("FLEXITI_PENDING_EXPIRY", "soon"),
        ("FLEXITI_ENVIRONMENT", "prod"),
        ("FLEXITI_CALLBACK_SECRET", "short"),
    ],
)
def test_extension_fails_at_init_naming_the_key(tmp_path, key: str, value: Any) -> None:
    """FlexitiCheckout(app) with a bad setting fails at init naming the key, and sets nothing up."""
    app = shop_app(tmp_path, **{key: value})

    with pytest.raises(ConfigurationError, match=key):
        FlexitiCheckout(app)

    assert "flexiti_checkout" not in app.extensions


def test_extension_fails_at_init_without_production_credentials(tmp_path) -> None:
    """A production app without a client id fails at init_app, naming FLEXITI_CLIENT_ID."""
    app = shop_app(tmp_path, FLEXITI_ENVIRONMENT="production", FLEXITI_CLIENT_SECRET="s")
    flexiti = FlexitiCheckout()

    with pytest.raises(ConfigurationError, match="FLEXITI_CLIENT_ID is required"):
        flexiti.init_app(app)


def test_extension_fills_the_defaults_into_app_config(tmp_path) -> None:
    """After init_app every documented key is in app.config, so a shop can read it back."""
    app = shop_app(tmp_path)

    FlexitiCheckout(app)

    assert {key: app.config[key] for key in DEFAULTS} == {
        **DEFAULTS,
        "FLEXITI_STORE_URL": f"sqlite:///{tmp_path / 'flexiti.sqlite3'}",
    }


def test_init_app_twice_on_one_app_is_refused(tmp_path) -> None:
    """A second init_app on the same app raises, whether from the same extension or another."""
    app = shop_app(tmp_path)
    flexiti = FlexitiCheckout(app)
    state = app.extensions["flexiti_checkout"]

    with pytest.raises(RuntimeError, match="already set up"):
        flexiti.init_app(app)
    with pytest.raises(RuntimeError, match="already set up"):
        FlexitiCheckout(app)

    assert app.extensions["flexiti_checkout"] is state


def test_a_bytes_secret_key_signs_tokens(tmp_path) -> None:
    """An app whose SECRET_KEY is random bytes (as in Flask's quickstart) starts and signs."""
    app = shop_app(tmp_path)
    app.config["SECRET_KEY"] = FLASK_QUICKSTART_KEY

    FlexitiCheckout(app)

    signer = app.extensions["flexiti_checkout"].return_signer
    assert signer.loads(signer.dumps({"m": "A-1"}), max_age=60) == {"m": "A-1"}


def test_one_extension_serves_several_apps(tmp_path) -> None:
    """One FlexitiCheckout object may be initialised on two apps, each with its own settings."""
    flexiti = FlexitiCheckout()
    first = shop_app(tmp_path / "a", FLEXITI_DEFAULT_LANG="fr")
    second = shop_app(tmp_path / "b")

    flexiti.init_app(first)
    flexiti.init_app(second)

    assert first.extensions["flexiti_checkout"].settings.default_lang == "fr"
    assert second.extensions["flexiti_checkout"].settings.default_lang == "en"


def test_the_session_cookie_is_samesite_lax_unless_the_shop_chose(tmp_path) -> None:
    """init_app makes the session cookie SameSite=Lax, and leaves a shop's own choice alone."""
    app = shop_app(tmp_path)
    FlexitiCheckout(app)
    chosen = shop_app(tmp_path / "other", SESSION_COOKIE_SAMESITE="Strict")
    FlexitiCheckout(chosen)
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert chosen.config["SESSION_COOKIE_SAMESITE"] == "Strict"


def test_real_credentials_with_an_insecure_session_cookie_are_warned_about(tmp_path, caplog):
    """Outside the sandbox a session cookie without Secure is named in a warning at init_app."""
    config = {
        "FLEXITI_ENVIRONMENT": "training",
        "FLEXITI_CLIENT_ID": "c",
        "FLEXITI_CLIENT_SECRET": "s",
    }
    FlexitiCheckout(shop_app(tmp_path, **config))
    FlexitiCheckout(shop_app(tmp_path / "secure", SESSION_COOKIE_SECURE=True, **config))
    warnings = [r.getMessage() for r in caplog.records if "SESSION_COOKIE_SECURE" in r.getMessage()]
    assert len(warnings) == 1
