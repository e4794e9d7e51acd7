"""The blueprint's routes: the modal, the customer's return, the status poll and the callback."""

from __future__ import annotations

import html
import re
import time
from decimal import Decimal

import pytest
import requests

from flexiti_checkout import OrderStatus


def pay(shop, merchant_order_id: str, browser: requests.Session | None = None, **params: str):
    """Post the shop's pay form, again after Retry-After while the start outlasts the budget
    (202, "still starting"), as a customer would."""
    browser = browser or requests.Session()
    query = "&".join(f"{k}={v}" for k, v in params.items())
    for _ in range(20):
        page = browser.post(f"{shop.url}/pay/{merchant_order_id}?{query}", allow_redirects=False)
        if page.status_code != 202:
            return page
        time.sleep(float(page.headers["Retry-After"]))
    raise AssertionError(f"order {merchant_order_id} never started")


def test_modal_frames_the_hosted_flow_and_trusts_only_its_origin(shop):
    """The modal page frames Flexiti's URL and accepts postMessage from that origin only."""
    page = pay(shop, "MODAL-1")
    assert page.status_code == 200
    html = page.text
    flow_url = shop.order("MODAL-1").redirection_url
    assert f'src="{flow_url}"' in html
    assert f'data-flexiti-origin="{shop.sandbox.url}"' in html
    assert 'data-success-url="/flexiti/return/success"' in html
    assert 'role="dialog"' in html and 'aria-modal="true"' in html
    assert f'href="{flow_url}" target="_top"' in html  # the full-page fallback
    assert "flexiti_checkout.order" not in html  # the session token stays in the cookie


def test_modal_script_checks_the_origin(shop):
    """modal.js ignores messages from any origin but Flexiti's and from any other window."""
    script = requests.get(f"{shop.url}/flexiti/static/flexiti_checkout/modal.js", timeout=5).text
    assert "event.origin !== origin" in script
    assert "event.source !== frame.contentWindow" in script


def test_redirect_mode_sends_the_browser_to_flexiti(shop):
    """mode="redirect" answers 303 to the hosted flow."""
    answer = pay(shop, "REDIR-1", mode="redirect")
    assert answer.status_code == 303
    assert answer.headers["Location"] == shop.order("REDIR-1").redirection_url


def test_invalid_checkout_is_a_400_page_not_a_stack_trace(shop):
    """A shop's bad checkout request is a readable 400 page for the customer."""
    answer = pay(shop, "BAD-1", amount="abc")
    assert answer.status_code == 400
    assert "Some checkout details need correcting" in answer.text
    assert "<code>amount</code>" in answer.text
    assert "Traceback" not in answer.text


def test_invalid_checkout_as_json_names_each_field(shop):
    """Over HTTP a bad checkout is a 400 carrying the same per-field messages."""
    answer = requests.post(f"{shop.url}/pay/BAD-2?amount=1.234", timeout=10,
                           headers={"Accept": "application/json"})  # fmt: skip
    assert answer.status_code == 400
    assert answer.json()["fields"] == {"amount": ["must have at most 2 decimal places"]}


def test_flexiti_down_is_a_502_page_with_the_reference(shop):
    """When Flexiti fails, the customer reads what to do and the reference id to quote."""
    shop.sandbox.control("PATCH", "faults", {"fail_next": {"count": 5, "status": 503}})
    answer = pay(shop, "DOWN-1")
    assert answer.status_code == 502
    assert "choose another payment method" in answer.text
    reference = shop.order("DOWN-1").reference_id
    assert reference in answer.text
    assert shop.order("DOWN-1").status is OrderStatus.ERROR


def test_flexiti_down_as_json_for_api_clients(shop):
    """A client that asks for JSON gets the error as JSON."""
    shop.sandbox.control("PATCH", "faults", {"fail_next": {"count": 5, "status": 503}})
    answer = requests.post(f"{shop.url}/pay/DOWN-2", headers={"Accept": "application/json"},
                           timeout=10)  # fmt: skip
    assert answer.status_code == 502
    assert answer.json()["error"] == "CheckoutUnavailable"
    assert answer.json()["reference_id"] == shop.order("DOWN-2").reference_id


def test_a_failed_start_can_be_retried(shop):
    """After a failed widget init the same merchant order starts again."""
    shop.sandbox.control("PATCH", "faults", {"fail_next": {"count": 1, "status": 503}})
    assert pay(shop, "RETRY-1").status_code == 502
    assert pay(shop, "RETRY-1").status_code == 200
    assert shop.order("RETRY-1").status is OrderStatus.PENDING


def test_a_start_under_way_is_a_409_page_saying_when_to_retry(shop):
    """While another request's widget init for the order is under way, the customer's second
    click gets a 409 page at once, with ``Retry-After``, and does not wait for the first."""
    shop.state.store.insert_order(merchant_order_id="BUSY-1", amount=Decimal("499.00"),
                                  flow="buy", lang="en", reference_id="ref-busy",
                                  source="checkout")  # fmt: skip
    answer = pay(shop, "BUSY-1")
    assert answer.status_code == 409
    assert 1 <= int(answer.headers["Retry-After"]) <= 5
    assert "already starting" in answer.text
    assert shop.order("BUSY-1").status is OrderStatus.CREATED


@pytest.mark.sandbox_config({"PUBLIC_URL": "http://evil.example"})
def test_redirect_to_a_foreign_host_is_refused(shop):
    """A redirection URL on a host that is not Flexiti's is never shown to the customer."""
    answer = pay(shop, "EVIL-1", mode="redirect")
    assert answer.status_code == 502
    assert "evil.example" not in answer.headers.get("Location", "")
    order = shop.order("EVIL-1")
    assert order.status is OrderStatus.ERROR
    assert "evil.example" in (order.error or "")


def test_settled_order_cannot_start_again(shop):
    """Starting a merchant order that has ended is a 409 page."""
    session = shop.start("DONE-1")
    shop.settle(session.online_order_id, "approve")
    shop.wait_for_callbacks()
    answer = pay(shop, "DONE-1")
    assert answer.status_code == 409
    assert "cannot be financed again" in answer.text


def test_return_inside_the_frame_breaks_out_without_refreshing(shop):
    """A return URL loaded inside the modal's frame reloads in the top window first."""
    browser = requests.Session()
    pay(shop, "FRAME-1", browser)
    answer = browser.get(f"{shop.url}/flexiti/return/success",
                         headers={"Sec-Fetch-Dest": "iframe"})  # fmt: skip
    assert answer.status_code == 200
    assert 'target="_top"' in answer.text and "breakout.js" in answer.text
    lookups = [e for e in shop.sandbox.control("GET", "requests")["requests"]
               if "/notifications/" in e["path"]]  # fmt: skip
    assert lookups == []


def test_pending_return_shows_the_confirming_page_and_status_polls(shop):
    """Back before Flexiti decided: a page that polls the status endpoint until there is news."""
    browser = requests.Session()
    pay(shop, "WAIT-1", browser)
    page = browser.get(f"{shop.url}/flexiti/return/success")
    assert page.status_code == 200
    assert 'data-status-url="/flexiti/status"' in page.text
    assert browser.get(f"{shop.url}/flexiti/status").json() == {"status": "pending",
                                                                "next_url": None}  # fmt: skip
    shop.settle(shop.order("WAIT-1").online_order_id, "approve")
    shop.wait_for_callbacks()
    polled = browser.get(f"{shop.url}/flexiti/status")
    assert polled.json() == {"status": "approved", "next_url": "/flexiti/outcome"}
    assert polled.headers["Cache-Control"] == "no-store"


def test_error_return_while_pending_moves_the_customer_on(shop):
    """A customer who leaves through the error URL is not kept waiting for a verdict."""
    browser = requests.Session()
    pay(shop, "LEFT-1", browser)
    answer = browser.get(f"{shop.url}/flexiti/return/error", allow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/flexiti/outcome"
    assert shop.order("LEFT-1").status is OrderStatus.PENDING


def test_return_without_a_session_reveals_nothing(shop):
    """Without the session's token a return shows a neutral page, whatever the query says."""
    session = shop.start("NOSESS-1")
    shop.settle(session.online_order_id, "approve")
    shop.wait_for_callbacks()
    answer = requests.get(f"{shop.url}/flexiti/return/success?merchant_orderid=NOSESS-1",
                          allow_redirects=False, timeout=10)  # fmt: skip
    assert answer.status_code == 200
    assert 'data-status="unknown"' in answer.text
    assert "NOSESS-1" not in answer.text
    assert requests.get(f"{shop.url}/flexiti/status", timeout=5).status_code == 404


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
def test_return_trusts_the_session_not_the_query(shop):
    """A query naming another order does not swap the customer's order."""
    other = shop.start("VICTIM-1")
    shop.settle(other.online_order_id, "approve")
    browser = requests.Session()
    pay(shop, "MINE-1", browser)
    answer = browser.get(f"{shop.url}/flexiti/return/success?merchant_orderid=VICTIM-1",
                         allow_redirects=False)  # fmt: skip
    assert answer.status_code == 200  # MINE-1 is still pending: the confirming page
    assert shop.order("MINE-1").status is OrderStatus.PENDING


@pytest.mark.shop_config({"FLEXITI_SUCCESS_ENDPOINT": "thanks"})
def test_success_endpoint_receives_the_merchant_order_id(shop):
    """FLEXITI_SUCCESS_ENDPOINT names the shop's page, told which order it is about."""
    shop.app.add_url_rule("/thanks", "thanks", lambda: "thanks")
    browser = requests.Session()
    pay(shop, "THX-1", browser)
    shop.settle(shop.order("THX-1").online_order_id, "approve")
    shop.wait_for_callbacks()
    answer = browser.get(f"{shop.url}/flexiti/return/success", allow_redirects=False)
    assert answer.headers["Location"] == "/thanks?merchant_order_id=THX-1"


def test_modal_route_opens_a_checkout_by_signed_token(shop):
    """The modal URL for a checkout started elsewhere works with a valid token only."""
    session = shop.start("TOKEN-1")
    with shop.app.app_context():
        token = shop.state.modal_signer.dumps({"m": "TOKEN-1"})
    browser = requests.Session()
    page = browser.get(f"{shop.url}/flexiti/modal/{token}")
    assert page.status_code == 200 and session.redirection_url in page.text
    assert browser.get(f"{shop.url}/flexiti/status").json()["status"] == "pending"
    assert browser.get(f"{shop.url}/flexiti/modal/{token[:-2]}xx").status_code == 404


# -- the callback receiver ---------------------------------------------------------------------


@pytest.mark.shop_config({"FLEXITI_CALLBACK_SECRET": "s3cret-path-segment-123"})
def test_callback_secret_path(shop):
    """With a callback secret only its path answers; the plain and wrong paths are 404."""
    base = f"{shop.url}/flexiti/callback"
    assert requests.post(base, json={}, timeout=5).status_code == 404
    assert requests.post(f"{base}/wrong-secret-value-0000", json={}, timeout=5).status_code == 404
    assert requests.post(f"{base}/s3cret-path-segment-123", json={}, timeout=5).status_code == 200


@pytest.mark.shop_config({"FLEXITI_MAX_CALLBACK_BYTES": 2048})
def test_oversized_callback_is_413(shop):
    """A callback body over FLEXITI_MAX_CALLBACK_BYTES is refused with 413 and not stored."""
    answer = requests.post(f"{shop.url}/flexiti/callback", data=b"x" * 4096, timeout=5,
                           headers={"Content-Type": "application/json"})  # fmt: skip
    assert answer.status_code == 413
    assert shop.state.callbacks.inbox.count_deliveries() == 0


def test_unparseable_callback_is_stored_and_says_what_to_send(shop):
    """A body that is neither JSON nor form fields is stored (as unreadable) and answered 200."""
    answer = requests.post(f"{shop.url}/flexiti/callback", data=b"{not json", timeout=5,
                           headers={"Content-Type": "application/json"})  # fmt: skip
    assert answer.status_code == 200
    assert "application/json" in answer.json()["outcome"]
    assert shop.state.callbacks.inbox.count_deliveries() == 1


@pytest.mark.parametrize("style", ["json", "form", "query"])
def test_callback_styles_all_settle_the_order(shop, style):
    """JSON, form and query-string callbacks are all understood."""
    session = shop.start("STYLE-1")
    shop.sandbox.control("PATCH", "settings", {"callback_url": None})
    shop.settle(session.online_order_id, "approve")
    url, ids = f"{shop.url}/flexiti/callback", {"online_order_id": session.online_order_id}
    if style == "json":
        answer = requests.post(url, json=ids, timeout=10)
    elif style == "form":
        answer = requests.post(url, data=ids, timeout=10)
    else:
        answer = requests.get(url, params=ids, timeout=10)
    assert answer.status_code == 200
    assert shop.delivery(answer.json()["delivery_id"]).outcome == "order STYLE-1: approved"
    assert shop.order("STYLE-1").status is OrderStatus.APPROVED


def test_callback_during_an_outage_is_kept_for_replay(shop):
    """An upstream failure during the refresh is a 200 for Flexiti; the delivery waits."""
    session = shop.start("OUT-1")
    shop.sandbox.control("PATCH", "settings", {"callback_url": None})
    shop.settle(session.online_order_id, "approve")
    shop.sandbox.control("PATCH", "faults", {"fail_next": {"count": 10, "status": 502,
                                                           "body": "html"}})  # fmt: skip
    answer = requests.post(f"{shop.url}/flexiti/callback", json={"merchant_orderid": "OUT-1"},
                           timeout=10)  # fmt: skip
    assert answer.status_code == 200
    waiting = shop.delivery(answer.json()["delivery_id"])
    assert waiting.processed_at is None and waiting.next_attempt_at is not None
    assert waiting.last_error and "lookup failed" in waiting.last_error
    assert shop.order("OUT-1").status is OrderStatus.PENDING
    shop.sandbox.control("PATCH", "faults", {"fail_next": None})
    with shop.app.app_context():
        shop.state.callbacks.replay()
    assert shop.order("OUT-1").status is OrderStatus.APPROVED


def test_pages_speak_french_for_a_french_order(shop):
    """The modal, the hosted flow and the outcome page follow the order's language."""
    browser = requests.Session()
    modal = pay(shop, "FR-1", browser, lang="fr")
    assert '<html lang="fr-CA">' in modal.text
    assert "Payez au fil du temps avec Flexiti" in modal.text
    flow_page = browser.get(shop.order("FR-1").redirection_url).text
    assert "Financez votre achat" in flow_page and "499,00" in flow_page
    shop.settle(shop.order("FR-1").online_order_id, "decline")
    shop.wait_for_callbacks()
    outcome = browser.get(f"{shop.url}/flexiti/outcome").text
    assert '<html lang="fr-CA">' in outcome
    assert "pas pu approuver le financement" in outcome


def test_modal_token_can_start_a_full_page_redirect(shop):
    """``?mode=redirect`` on the signed modal URL remembers the order, then goes to Flexiti."""
    session = shop.start("TOKEN-2")
    with shop.app.app_context():
        token = shop.state.modal_signer.dumps({"m": "TOKEN-2"})
    browser = requests.Session()
    answer = browser.get(f"{shop.url}/flexiti/modal/{token}?mode=redirect", allow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["Location"] == session.redirection_url
    assert browser.get(f"{shop.url}/flexiti/status").json()["status"] == "pending"


# -- a slow Flexiti: customer-facing requests wait at most FLEXITI_REQUEST_BUDGET ----------------


@pytest.mark.shop_config({"FLEXITI_REQUEST_BUDGET": "300ms"})
def test_a_slow_flexiti_holds_the_return_only_for_the_budget(shop):
    """With Flexiti 4 s slow the return answers "confirming" in time; the lookup still lands."""
    browser = requests.Session()
    pay(shop, "SLOW-1", browser)
    shop.sandbox.control("PATCH", "settings", {"callback_url": None})
    shop.settle(shop.order("SLOW-1").online_order_id, "approve")
    shop.sandbox.control("PATCH", "faults", {"latency": 4})
    began = time.monotonic()
    page = browser.get(f"{shop.url}/flexiti/return/success", allow_redirects=False)
    waited = time.monotonic() - began
    assert page.status_code == 200 and 'data-status-url="/flexiti/status"' in page.text
    assert waited < 3, f"the return waited {waited:.2f} s"  # a 0.3 s budget; Flexiti takes 4 s
    assert shop.order("SLOW-1").status is OrderStatus.PENDING
    deadline = time.monotonic() + 20
    while shop.order("SLOW-1").status is OrderStatus.PENDING and time.monotonic() < deadline:
        time.sleep(0.1)  # the lookup goes on after the answer
    assert shop.order("SLOW-1").status is OrderStatus.APPROVED
    shop.sandbox.control("PATCH", "faults", {"latency": 0})
    assert browser.get(f"{shop.url}/flexiti/status").json()["status"] == "approved"


def test_a_slow_flexiti_never_holds_a_callback(shop):
    """Flexiti's sender gets its 200 at once ("queued"); a worker processes the delivery once
    the lookup ends."""
    session = shop.start("SLOWCB-1")
    shop.sandbox.control("PATCH", "settings", {"callback_url": None})
    shop.settle(session.online_order_id, "approve")
    shop.sandbox.control("PATCH", "faults", {"latency": 4})
    began = time.monotonic()
    answer = requests.post(
        f"{shop.url}/flexiti/callback", json={"merchant_orderid": "SLOWCB-1"}, timeout=10
    )
    waited = time.monotonic() - began
    assert answer.status_code == 200 and answer.json()["outcome"] == "queued"
    assert waited < 3, f"the callback waited {waited:.2f} s"  # Flexiti takes 4 s
    deadline = time.monotonic() + 20
    while shop.state.callbacks.inbox.deliveries(unprocessed_only=True):
        assert time.monotonic() < deadline, "the delivery was never processed"
        time.sleep(0.1)
    assert shop.order("SLOWCB-1").status is OrderStatus.APPROVED
    shop.sandbox.control("PATCH", "faults", {"latency": 0})


# -- the dialog flexiti.js draws over a shop's page ----------------------------------------------


def test_checkout_answers_json_to_the_script(shop):
    """A checkout posted by flexiti.js (Accept: JSON) answers the signed modal URL, not a page."""
    browser = requests.Session()
    answer = browser.post(f"{shop.url}/pay/JSON-1", headers={"Accept": "application/json"},
                          allow_redirects=False)  # fmt: skip
    assert answer.status_code == 200
    body = answer.json()
    assert body["merchant_order_id"] == "JSON-1"
    assert body["modal_url"].startswith(f"{shop.url}/flexiti/modal/")
    assert body["redirect_url"] == body["modal_url"] + "?mode=redirect"
    page = browser.get(body["modal_url"])
    assert shop.order("JSON-1").redirection_url in page.text


def test_embedded_modal_is_only_the_frame_and_posts_to_the_shop_origin(shop):
    """``?embed=1&origin=`` renders the frame alone, telling modal.js the shop page's origin."""
    shop.start("EMBED-1")
    with shop.app.app_context():
        token = shop.state.modal_signer.dumps({"m": "EMBED-1"})
    url = f"{shop.url}/flexiti/modal/{token}"
    html = requests.get(url, params={"embed": "1", "origin": "https://shop.example"}).text
    assert 'data-parent-origin="https://shop.example"' in html
    assert 'role="dialog"' not in html  # the shop's page draws the dialog
    assert f'href="/flexiti/modal/{token}?mode=redirect" target="_top"' in html
    for bad in ("javascript:alert(1)", "https://shop.example/path", "*", ""):
        html = requests.get(url, params={"embed": "1", "origin": bad}).text
        assert "data-parent-origin" not in html and 'role="dialog"' in html


@pytest.mark.parametrize(("outcome", "target"), [("success", "success"), ("error", "error"),
                                                 ("anything", "error")])  # fmt: skip
def test_modal_return_remembers_the_order_then_returns(shop, outcome, target):
    """``?mode=return`` sets the order in this browser's session, then goes to the return URL."""
    shop.start(f"RET-{target}")
    with shop.app.app_context():
        token = shop.state.modal_signer.dumps({"m": f"RET-{target}"})
    browser = requests.Session()
    query = {"mode": "return", "outcome": outcome}
    answer = browser.get(f"{shop.url}/flexiti/modal/{token}", params=query, allow_redirects=False)
    assert answer.headers["Location"] == f"/flexiti/return/{target}"
    assert browser.get(f"{shop.url}/flexiti/status").json()["status"] == "pending"


def test_leaving_flexiti_says_nothing_was_charged_and_offers_to_try_again(shop):
    """Leaving a pending checkout lands on a page saying so, with a way back to the same order."""
    browser = requests.Session()
    pay(shop, "LEFT-1", browser)
    page = browser.get(f"{shop.url}/flexiti/return/error")  # the modal's "leave" link
    assert "You left Flexiti before finishing; nothing was charged." in page.text
    assert "did not go through" not in page.text
    assert shop.order("LEFT-1").status is OrderStatus.PENDING
    again = re.search(r'id="flexiti-try-again" href="([^"]+)"', page.text)
    assert again is not None
    assert shop.order("LEFT-1").redirection_url in browser.get(again.group(1)).text


def test_missing_extension_pages_are_styled_in_the_shopper_language(shop):
    """A bad or expired modal link is the extension's page, in French for a French browser."""
    answer = requests.get(f"{shop.url}/flexiti/modal/not-a-token", timeout=10,
                          headers={"Accept-Language": "fr-CA,fr;q=0.9"})  # fmt: skip
    assert answer.status_code == 404
    assert '<html lang="fr-CA">' in answer.text
    assert "Cette page Flexiti n'existe pas" in html.unescape(answer.text)
    assert "Not Found" not in answer.text
    api = requests.get(f"{shop.url}/flexiti/modal/not-a-token", timeout=10,
                       headers={"Accept": "application/json"})  # fmt: skip
    assert api.status_code == 404 and api.json()["error"] == "not_found"
