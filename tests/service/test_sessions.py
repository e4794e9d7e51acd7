"""The service's sessions: Flask's signed cookie, opened cheaply when a request carries none."""

from __future__ import annotations

from flask import session

from flexiti_checkout.service import create_app


def test_a_session_cookie_is_still_signed_read_and_written(tmp_path):
    """A value put in the session comes back on the next request; a forged cookie is ignored;
    a request without a cookie gets an empty session and no cookie back."""
    app = create_app(
        {
            "FLEXITI_INSTANCE_PATH": str(tmp_path),
            "FLEXITI_STORE_URL": f"sqlite:///{tmp_path / 's.db'}",
            "FLEXITI_SIGNING_KEY": "session-test-signing-key-0123456789",
            "FLEXITI_ONLINE_API_URL": "http://127.0.0.1:9/flexiti/online-api",
        }
    )

    @app.get("/put")
    def put() -> str:
        session["order"] = "S-1"
        return "ok"

    @app.get("/read")
    def read() -> str:
        return str(session.get("order"))

    client = app.test_client()
    empty = client.get("/read")
    assert empty.get_data(as_text=True) == "None" and "Set-Cookie" not in empty.headers
    assert "session=" in client.get("/put").headers["Set-Cookie"]
    assert client.get("/read").get_data(as_text=True) == "S-1"

    forged = app.test_client()
    forged.set_cookie("session", "eyJvcmRlciI6IlMtMiJ9.forged.signature")
    assert forged.get("/read").get_data(as_text=True) == "None"
    app.extensions["flexiti_checkout"].store.close()
