"""How ``init_app`` builds an app's parts from its settings: clients, storefront, embedded sandbox.

In sandbox mode with no API URL the app serves a sandbox of its own at ``/flexiti-sandbox`` and
talks to it in-process; the sandbox package is imported only then.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import requests
from flask import Flask
from requests.adapters import HTTPAdapter
from sqlalchemy.engine import make_url
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from flexiti_checkout._urls import web_origin
from flexiti_checkout.client.flexiti import FlexitiClient
from flexiti_checkout.client.tokens import TokenStore
from flexiti_checkout.client.wsgi_transport import session_for
from flexiti_checkout.lifecycle.redirects import redirect_checker
from flexiti_checkout.storefront.plans import Storefront
from flexiti_checkout.storefront.shared import SharedStore
from flexiti_checkout.web.settings.catalogue import Settings

#: Where an app in sandbox mode serves its own sandbox (hosted pages, control API).
SANDBOX_MOUNT = "/flexiti-sandbox"
_SANDBOX_ORIGIN = "http://sandbox.flexiti-checkout.internal"
_APP_ORIGIN = "http://shop.flexiti-checkout.internal"


def embed_sandbox(app: Flask, settings: Settings, url_prefix: str) -> Flask:
    """Serve a sandbox from ``app`` at ``/flexiti-sandbox``, talked to in-process."""
    from flexiti_checkout.sandbox import create_app as create_sandbox_app

    callback_path = f"{url_prefix}/callback"
    if settings.callback_secret:
        callback_path += f"/{settings.callback_secret}"
    sandbox = create_sandbox_app(
        {
            "PUBLIC_URL": SANDBOX_MOUNT,
            "SUCCESS_URL": f"{url_prefix}/return/success",
            "ERROR_URL": f"{url_prefix}/return/error",
            "CALLBACK_URL": _APP_ORIGIN + callback_path,
            "CALLBACK_SESSION": session_for(app, _APP_ORIGIN),
        }
    )
    app.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, {SANDBOX_MOUNT: sandbox}
    )
    return sandbox


def share_sandbox_state(sandbox_app: Flask, instance_path: str, store_url: str) -> Path | None:
    """Keep the embedded sandbox's state in a file every worker process of ``store_url`` shares.

    The file is in ``instance_path`` and named after the store, so two services on one machine
    never share a Flexiti, and the service's workers (which share the store) share one. A store
    in memory is each process's own, and so stays its sandbox: ``None``.
    """
    url = make_url(store_url)
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    from flexiti_checkout.sandbox.shared import share_state

    key = hashlib.sha256(store_url.encode()).hexdigest()[:16]
    path = Path(instance_path) / f"flexiti-sandbox-{key}.state"
    return path if share_state(sandbox_app, path) is not None else None


def build_client(
    settings: Settings, token_store: TokenStore, sandbox_app: Flask | None
) -> FlexitiClient:
    """The app's ``FlexitiClient``: Flexiti's hosts, or the embedded sandbox in-process."""
    online, pos, http = settings.online_api_url, settings.pos_api_url, None
    if sandbox_app is not None:
        base = _SANDBOX_ORIGIN + SANDBOX_MOUNT
        online, pos = base + "/flexiti/online-api", base + "/flexiti/pos-api/v2.5"
        http = session_for(sandbox_app, _SANDBOX_ORIGIN, SANDBOX_MOUNT)
    assert online is not None and pos is not None
    return FlexitiClient(
        settings.client_id,
        settings.client_secret,
        online_api_url=online,
        pos_api_url=pos,
        timeout=settings.timeout,
        max_retries=settings.max_retries,
        session=http,
        token_store=token_store,
    )


def build_redirect_checker(settings: Settings, sandbox_app: Flask | None) -> Callable[[str], None]:
    """Where the customer's browser may be sent: Flexiti, listed hosts, the sandbox."""
    hosts = list(settings.allowed_redirect_hosts)
    sandbox = web_origin(settings.online_api_url or "")
    if settings.environment == "sandbox" and sandbox is not None:
        hosts.append(sandbox.host_port)
    return redirect_checker(hosts, local_prefix=SANDBOX_MOUNT if sandbox_app is not None else None)


def build_storefront(
    settings: Settings,
    client: FlexitiClient,
    *,
    token_store: TokenStore | None,
    sandbox_app: Flask | None,
    check_redirect: Callable[[str], None],
    shared: SharedStore | None = None,
) -> Storefront:
    """The storefront of an app, with a client of its own for its background calls.

    With a ``token_store`` (the extension built ``client`` from settings) the storefront gets
    its own ``FlexitiClient``: no retries, the app's timeout (a shop request waits only its
    budget; a later answer still fills the cache), a connection pool as large as its thread
    pool, and the same tokens. Without one, the host's own ``client`` is used as is: its
    retries only delay when a late answer reaches the cache. ``shared`` is the cache every
    worker reads through to.
    """
    own = settings.storefront
    if token_store is not None:
        session = (
            session_for(sandbox_app, _SANDBOX_ORIGIN, SANDBOX_MOUNT)
            if sandbox_app is not None
            else _pooled_session(own.workers)
        )
        client = FlexitiClient(
            settings.client_id,
            settings.client_secret,
            online_api_url=client.online_api_url,
            pos_api_url=client.pos_api_url,
            timeout=settings.timeout,
            max_retries=0,
            session=session,
            token_store=token_store,
        )
    return Storefront(
        client,
        own,
        default_lang=settings.default_lang,
        check_redirect=check_redirect,
        shared=shared,
    )


def _pooled_session(size: int) -> requests.Session:
    """A session that keeps a connection per pool thread (requests keeps 10 per host)."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
