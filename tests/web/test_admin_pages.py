"""The console as staff read it: labels, money, local times, review reasons, address verdicts,
French throughout, refusals shown as errors, and a cancellation offered only when it can succeed.

Orders are written to the store as Flexiti would have settled them; Flexiti's back office is
``FakeBackOffice`` (held purchases can be cancelled, posted ones only returned).
"""

from __future__ import annotations

import html as html_lib
import re

import pytest

from flexiti_checkout import ConfigurationError, OrderStatus
from flexiti_checkout.errors import ConflictError, UnavailableError
from flexiti_checkout.web.state import flexiti_state
from support.back_office import settled
from support.console import act, in_review, make_console, page


@pytest.mark.one_database
@pytest.mark.parametrize(("lang", "money"), [("en", "$2,899.00"), ("fr", "2\u00a0899,00\u00a0$")])
def test_money_is_grouped_and_written_as_each_language_does(console, lang, money):
    """The list and the order write $2,899.00 in English and 2 899,00 $ in French."""
    app, client, fake = console
    settled(flexiti_state(app).store, fake, "M-1", "2899.00")
    listed = page(client, f"/flexiti/admin/orders?lang={lang}")
    assert f'<span class="flx-money">{money}</span>' in listed
    shown = page(client, "/flexiti/admin/orders/M-1")
    assert f'<span class="flx-money">{money}</span>' in shown
    assert "2899.00" not in shown and "CAD" not in shown


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("zone", "clock"),
    [(None, r"(EST|EDT)"), ("America/Vancouver", r"(PST|PDT)")],
)
def test_times_are_the_stores_with_utc_on_hover(store_url, tmp_path, zone, clock):
    """FLEXITI_TIME_ZONE (America/Toronto by default) sets the clock; the title gives UTC."""
    config = {"FLEXITI_TIME_ZONE": zone} if zone else {}
    app, fake = make_console(store_url, tmp_path, **config)
    order = settled(flexiti_state(app).store, fake, "T-1")
    shown = page(app.test_client(), "/flexiti/admin/orders/T-1")
    utc = order.created_at.strftime("%Y-%m-%d %H:%M:%S")
    found = re.search(rf'<time datetime="[^"]+" title="{utc} UTC">([^<]+)</time>', shown)
    assert found and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d " + clock, found[1]), found
    assert " UTC</time>" not in shown


def test_a_time_zone_that_does_not_exist_fails_at_init(store_url, tmp_path):
    """A misspelt zone is refused at init_app, naming the setting and an example."""
    with pytest.raises(ConfigurationError, match="FLEXITI_TIME_ZONE must be a time zone name"):
        make_console(store_url, tmp_path, FLEXITI_TIME_ZONE="America/Toronot")


def test_the_review_reason_comes_first_and_addresses_read_as_verdicts(console):
    """The reason opens the order's page; each address field says match / partial / no match,
    its score on hover; no raw key of Flexiti's answer is shown."""
    app, client, _ = console
    in_review(app, "R-1")
    shown = page(client, "/flexiti/admin/orders/R-1")
    reason = shown.index("Why this order needs review")
    assert reason < shown.index("<dl") and reason < shown.index("History")
    assert "Flexiti approved $2,900.00, the order is for $2,899.00" in shown[reason:]
    for verdict, score in (("Match", "1"), ("Partial match", "0.5"), ("No match", "0")):
        assert f'title="{score}">{verdict}</span>' in shown
    assert 'title="—">Not compared</span>' in shown
    for raw in ("address_1", "billing_information", "purchase_amount", "promo_id", "apply/buy"):
        assert raw not in html_lib.unescape(re.sub(r"<[^>]+>", " ", shown)), raw


#: Words of the English console that must not appear in the French one.
_WORDS = """the and order orders refund refunds checkout callback return succeeded failed refused
    approved pending now still done buy apply purchase status amount history match partial
    review by of field billing shipping address city reason when outcome requested unknown
    decision staff reconcile admin Flexiti's"""
ENGLISH = set(_WORDS.split())


def french_words(text: str) -> set[str]:
    """The words a French-speaking person reads: tags, Flexiti's quoted English (lang="en"),
    codes and staff names left out."""
    text = re.sub(r'<(span|td|code)[^>]*(lang="en"|flx-admin-actor)[^>]*>.*?</\1>', " ", text,
                  flags=re.S)  # fmt: skip
    text = re.sub(r"<code[^>]*>.*?</code>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return set(re.findall(r"[A-Za-z']+", html_lib.unescape(text)))


def test_the_french_console_has_no_english_left(console):
    """Statuses, flows, history sources, outcomes and notes read in French on every page."""
    app, client, fake = console
    page(client, "/flexiti/admin/orders?lang=fr")
    in_review(app, "FR-R")
    settled(flexiti_state(app).store, fake, "FR-A", "2899.00")
    act(client, "FR-A", "refund", amount="25.50", reason="retard", key="fr-1")
    act(client, "FR-A", "refund", amount="9999.00", reason="trop", key="fr-2")  # refused
    pages = {path: page(client, path) for path in (
        "/flexiti/admin/orders", "/flexiti/admin/orders/FR-R", "/flexiti/admin/orders/FR-A",
    )}  # fmt: skip
    assert "remboursement 1 de 25,50\u00a0$ : réussi" in pages["/flexiti/admin/orders/FR-A"]
    assert "Flexiti a approuvé 2\u00a0900,00\u00a0$" in pages["/flexiti/admin/orders/FR-R"]
    for path, text in pages.items():
        english = french_words(text) & ENGLISH
        assert not english, f"{path} has English words: {sorted(english)}"


def test_a_posted_purchase_offers_a_refund_not_a_cancellation(console):
    """Flexiti does not hold it (its held list says so): the page says to refund instead."""
    app, client, fake = console
    settled(flexiti_state(app).store, fake, "P-1", posted=True)
    shown = page(client, "/flexiti/admin/orders/P-1")
    assert "Flexiti has posted this purchase: refund it instead." in shown
    assert ">Refund</button>" in shown and ">Cancel the purchase</button>" not in shown
    page(client, "/flexiti/admin/orders/P-1")
    assert fake.count("authorized") == 1  # a posted purchase stays posted: asked once
    assert fake.count("cancel") == 0


def test_a_held_purchase_can_be_cancelled(console):
    """Flexiti holds it: the cancellation is offered, and done."""
    app, client, fake = console
    settled(flexiti_state(app).store, fake, "H-1", posted=False)
    shown = page(client, "/flexiti/admin/orders/H-1")
    assert ">Cancel the purchase</button>" in shown and "refund it instead" not in shown
    after = act(client, "H-1", "cancel_order", reason="customer called")
    assert 'class="flx-admin-flash" role="status">Done: now cancelled' in after
    assert flexiti_state(app).store.get_order("H-1").status is OrderStatus.CANCELLED


def test_a_refusal_is_an_error_that_says_what_to_do(console):
    """Flexiti refuses the cancellation after all: red, not done, and "refund it instead"; the
    page then stops offering it."""
    app, client, fake = console
    settled(flexiti_state(app).store, fake, "X-1", posted=False)
    fake.fail_next("cancel", ConflictError("the transaction is posted", status=409,
                                           reference_id="ref-x1"))  # fmt: skip
    after = act(client, "X-1", "cancel_order")
    alert = re.search(r'<p class="flx-admin-error" role="alert">(.*?)</p>', after, re.S)
    assert alert, "the refusal is not shown as an error"
    assert "Not done: refused" in alert[1] and "Done:" not in after
    assert "What to do:</strong> Flexiti has posted this purchase: refund it instead." in alert[1]
    assert "<code>ref-x1</code>" in alert[1]
    assert ">Cancel the purchase</button>" not in after and ">Refund</button>" in after
    assert flexiti_state(app).store.get_order("X-1").status is OrderStatus.APPROVED


def test_when_flexiti_cannot_be_asked_no_cancellation_is_promised(console):
    """The held list fails: no cancel button, a note that says so, the refund still offered."""
    app, client, fake = console
    settled(flexiti_state(app).store, fake, "U-1", posted=False)
    fake.fail_next("authorized", UnavailableError("timed out"))
    shown = page(client, "/flexiti/admin/orders/U-1")
    assert "Flexiti could not be asked whether this purchase can still be cancelled" in shown
    assert ">Cancel the purchase</button>" not in shown and ">Refund</button>" in shown
