"""``python -m flexiti_checkout.sandbox``: run a local Flexiti for demos and manual testing."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from werkzeug.serving import make_server

from flexiti_checkout.sandbox.app import create_app
from flexiti_checkout.sandbox.faults import (
    CALLBACK_MODES,
    LOOKUP_STYLES,
    RETURN_STYLES,
    KnobError,
)
from flexiti_checkout.sandbox.online import ONLINE_API_PREFIX
from flexiti_checkout.sandbox.pos.login import POS_API_PREFIX


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m flexiti_checkout.sandbox",
        description="Run a local Flexiti (Online API, POS API, hosted flow, fault knobs).",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    add("--port", type=int, default=8001, help="port to listen on; 0 picks a free one")
    add("--public-url", help="base URL put into redirection_url (default: the request's host)")
    add("--success-url", help="where the customer goes after approving")
    add("--error-url", help="where the customer goes after declining or cancelling")
    add("--callback-url", help="where notifications are posted")
    add("--token-lifetime", type=float, help="access token lifetime in seconds (default 1200)")
    add("--latency", type=float, help="seconds added to every API response")
    add("--error-rate", type=float, help="fraction of API calls answered 500 (0..1)")
    add("--html-errors", action="store_true", help="answer injected errors with a 502 HTML page")
    add("--malformed-json-rate", type=float, help="fraction of JSON answers cut in half (0..1)")
    add("--callback-mode", choices=CALLBACK_MODES, help="how callbacks are delivered")
    add("--callback-copies", type=int, help="copies sent in duplicate mode (default 2)")
    add("--callback-delay", type=float, help="seconds to wait in delay mode (default 1)")
    add("--callback-with-ids", action="store_true", help="add our order ids to callbacks")
    add("--approved-amount-delta", type=Decimal, help="added to the approved purchase amount")
    add("--lookup-style", choices=LOOKUP_STYLES, help="status spelling of lookups (table)")
    add("--return-style", choices=RETURN_STYLES, help="what the return URLs carry (flexiti)")
    add("--max-amount", type=Decimal, help="merchant maximum amount (default 20000)")
    add("--seed", type=int, help="seed for the random fault rates")
    add("--id-offset", type=int, help="added to every id handed out (a multiple of 1000000)")
    return parser


def config_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The ``create_app`` config the command-line flags describe."""
    config: dict[str, Any] = {}
    for name in (
        "public_url", "success_url", "error_url", "callback_url", "token_lifetime", "latency",
        "error_rate", "malformed_json_rate", "callback_mode", "callback_copies", "callback_delay",
        "approved_amount_delta", "max_amount", "seed", "id_offset",
    ):  # fmt: skip
        value = getattr(args, name)
        if value is not None:
            config[name.upper()] = value
    if args.html_errors:
        config["HTML_ERRORS"] = True
    if args.callback_with_ids:
        config["CALLBACK_WITH_IDS"] = True
    if args.lookup_style is not None:
        config["LOOKUP_STYLE"] = args.lookup_style
    if args.return_style is not None:
        config["RETURN_STYLE"] = args.return_style
    return config


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        app = create_app(config_from_args(args))
    except (KnobError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    server = make_server(args.host, args.port, app, threaded=True)
    url = f"http://{args.host}:{server.server_port}"
    settings = app.extensions["flexiti_sandbox"].settings
    print(f"Flexiti sandbox running on {url}")
    print(f"  Online API base: {url}{ONLINE_API_PREFIX}")
    print(f"  POS API base:    {url}{POS_API_PREFIX}")
    print(f"  client_id:       {settings.client_id}")
    print(f"  client_secret:   {settings.client_secret}  (sandbox credentials, not a secret)")
    print(f"  control API:     {url}/_sandbox/faults  (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.extensions["flexiti_sandbox"].callbacks.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
