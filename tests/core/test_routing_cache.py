"""The test run shares Werkzeug's compiled URL builders between equal rules (support.routing_cache);
rules that differ in what the builder depends on must still build their own URLs."""

from __future__ import annotations

from flask import Flask, url_for


def _app(defaults: dict[str, str] | None) -> Flask:
    app = Flask(__name__)
    app.add_url_rule("/pay/<lang>/<plan>", "pay", lambda **kw: "", defaults=defaults)
    app.add_url_rule("/pay/<lang>", "pay_any", lambda **kw: "", defaults=defaults and {"page": "1"})
    return app


def test_equal_rules_with_other_defaults_build_their_own_urls():
    plain, french = _app(None), _app({"plan": "p12"})
    with plain.test_request_context():
        assert url_for("pay", lang="en", plan="p6", x="1") == "/pay/en/p6?x=1"
        assert url_for("pay_any", lang="en", page="1") == "/pay/en?page=1"
    with french.test_request_context():
        assert url_for("pay", lang="fr") == "/pay/fr/p12"
        assert url_for("pay_any", lang="fr", q="a b") == "/pay/fr?q=a+b"
        assert url_for("pay_any", lang="fr", page="1") == "/pay/fr"
