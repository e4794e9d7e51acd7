"""The console's names for the store's words: fields, flows, sources, statuses, notes.

One catalogue, in English and Canadian French, of what staff read in place of the keys and
codes the store keeps (``transaction_total_amount``, ``apply/buy``, ``callback``): templates ask
``label(kind, key)`` and never spell a field's name themselves. The lifecycle's notes and the
console's outcomes are English sentences the store keeps as written; ``say`` gives them in the
console's language by the patterns below (anything else, such as a person's note, as written).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import Markup, escape

from flexiti_checkout.money import normalize_lang

#: kind -> key -> (English, French)
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "detail": {
        "purchase_amount": ("Amount financed", "Montant financé"),
        "transaction_total_amount": ("Transaction total", "Total de la transaction"),
        "administrative_fee": ("Administrative fee", "Frais d'administration"),
        "promo_id": ("Flexiti promotion number", "Numéro de promotion Flexiti"),
        "plan_id": ("Flexiti plan", "Plan Flexiti"),
        "term": ("Term (months)", "Durée (mois)"),
        "customer_id": ("Flexiti customer", "Client Flexiti"),
        "transaction_id": ("Flexiti transaction", "Transaction Flexiti"),
    },
    "part": {
        "billing_information": ("Billing address", "Adresse de facturation"),
        "shipping_information": ("Shipping address", "Adresse de livraison"),
    },
    "field": {
        "first_name": ("First name", "Prénom"),
        "last_name": ("Last name", "Nom de famille"),
        "address_1": ("Address line 1", "Adresse, ligne 1"),
        "address_2": ("Address line 2", "Adresse, ligne 2"),
        "city": ("City", "Ville"),
        "province": ("Province", "Province"),
        "postal_code": ("Postal code", "Code postal"),
        "dob": ("Date of birth", "Date de naissance"),
        "email": ("Email", "Courriel"),
        "phone_number": ("Phone number", "Numéro de téléphone"),
    },
    "verdict": {
        "match": ("Match", "Correspond"),
        "partial": ("Partial match", "Correspondance partielle"),
        "no_match": ("No match", "Ne correspond pas"),
        "not_compared": ("Not compared", "Non comparé"),
    },
    "flow": {
        "buy": ("Purchase", "Achat"),
        "apply": ("Credit application", "Demande de crédit"),
        "apply/buy": ("Application and purchase", "Demande et achat"),
    },
    "source": {
        "checkout": ("checkout", "paiement"),
        "callback": ("Flexiti's notification", "avis de Flexiti"),
        "return": ("customer's return", "retour du client"),
        "reconcile": ("reconciliation", "rapprochement"),
        "admin": ("staff console", "console du personnel"),
        "decision": ("staff decision", "décision du personnel"),
        "refund": ("refund", "remboursement"),
        "shop": ("shop", "boutique"),
    },
    "refund_status": {
        "requested": ("Requested", "Demandé"),
        "succeeded": ("Succeeded", "Réussi"),
        "failed": ("Failed", "Échoué"),
        "unknown": ("Unknown", "Incertain"),
    },
}


def label(kind: str, key: str, lang: str | None) -> str:
    """The name staff read for ``key`` (a field, flow, source…); an unknown key as it is."""
    names = LABELS[kind].get(key)
    if names is None:
        return key
    return names[1] if normalize_lang(lang) == "fr" else names[0]


#: Sentences the store keeps in English, and their French. Groups named ``amount*`` are amounts,
#: given to ``money`` so each language writes them its way; ``status`` an order's status,
#: ``refund`` a refund's, ``flow`` a flow; ``quote`` is Flexiti's own words, kept in English
#: and marked so (``lang="en"``); ``why`` a person's note.
_SENTENCES: tuple[tuple[str, str, str], ...] = (
    (r"Flexiti status (?P<code>\S+)", "Flexiti status {code}", "Statut chez Flexiti : {code}"),
    (
        r"Flexiti approved (?P<amount>[0-9.]+), the order is for (?P<amount2>[0-9.]+)",
        "Flexiti approved {amount}, the order is for {amount2}",
        "Flexiti a approuvé {amount}, la commande est de {amount2}",
    ),
    (
        r"Flexiti reports the (?P<flow>\S+) flow, the order is (?P<flow2>\S+)",
        "Flexiti reports the flow {flow}, the order is {flow2}",
        "Flexiti indique le parcours {flow}, la commande est {flow2}",
    ),
    (
        r"Flexiti did not say which amount it approved",
        "Flexiti did not say which amount it approved",
        "Flexiti n'a pas dit quel montant il a approuvé",
    ),
    (
        r"approved by Flexiti after it expired here",
        "Flexiti approved it after it expired here",
        "Flexiti l'a approuvée après son expiration ici",
    ),
    (
        r"purchase cancelled at Flexiti by (?P<who>.+?)(?:: (?P<why>.*))?",
        "purchase cancelled at Flexiti by {who}{why}",
        "achat annulé chez Flexiti par {who}{why}",
    ),
    (
        r"approved by (?P<who>.+?)(?:: (?P<why>.*))?",
        "approved by {who}{why}",
        "approuvée par {who}{why}",
    ),
    (
        r"rejected by (?P<who>.+?)(?:: (?P<why>.*))?",
        "rejected by {who}{why}",
        "rejetée par {who}{why}",
    ),
    (
        r"refund (?P<id>[0-9]+) of (?P<amount>[0-9.]+): (?P<refund>[a-z]+)(?: \((?P<quote>.*)\))?",
        "refund {id} of {amount}: {refund}{quote}",
        "remboursement {id} de {amount} : {refund}{quote}",
    ),
    (
        r"refund (?P<id>[0-9]+) of (?P<amount>[0-9.]+) \((?P<who>.*)\)",
        "refund {id} of {amount} ({who})",
        "remboursement {id} de {amount} ({who})",
    ),
    (
        r"refund (?P<id>[0-9]+): Flexiti's records show the return",
        "refund {id}: Flexiti's records show the return",
        "remboursement {id} : les dossiers de Flexiti montrent le retour",
    ),
    (
        r"Flexiti's answer could not be read \(reference id (?P<ref>\S+)\); check the order with "
        r"Flexiti",
        "Flexiti's answer could not be read (reference id {ref}); check the order with Flexiti",
        "La réponse de Flexiti était illisible (identifiant de référence {ref}); vérifiez la "
        "commande auprès de Flexiti",
    ),
    (r"started again", "started again", "relancée"),
    (
        r"the checkout start never finished; Flexiti has an outcome for it",
        "the checkout start never finished; Flexiti has an outcome for it",
        "le début du paiement n'a jamais fini; Flexiti en a un résultat",
    ),
    (
        r"no outcome after (?P<seconds>[0-9]+) s",
        "no outcome after {seconds} s",
        "aucun résultat après {seconds} s",
    ),
    (
        r"refund (?P<id>[0-9]+): (?P<refund>[a-z]+)",
        "refund {id}: {refund}",
        "remboursement {id} : {refund}",
    ),
    (r"refused: (?P<quote>.*)", "refused{quote}", "refusé{quote}"),
    (r"failed: (?P<quote>.*)", "failed{quote}", "échoué{quote}"),
    (
        r"Flexiti could not be asked; still (?P<status>[a-z_]+)",
        "Flexiti could not be asked; still {status}",
        "Flexiti n'a pas pu être interrogé; toujours {status}",
    ),
    (r"now (?P<status>[a-z_]+)", "now {status}", "maintenant {status}"),
    (r"still (?P<status>[a-z_]+)", "still {status}", "toujours {status}"),
)
_COMPILED = tuple((re.compile(p), en, fr) for p, en, fr in _SENTENCES)


def say(
    text: str,
    lang: str | None,
    money: Callable[[str], str],
    status: Callable[[str], str],
) -> Markup:
    """``text`` (a note or outcome the store keeps) in ``lang``: known sentences translated, their
    amounts written by ``money`` and statuses by ``status``; other text as written."""
    fr = normalize_lang(lang) == "fr"
    for pattern, en_form, fr_form in _COMPILED:
        found = pattern.fullmatch(text.strip())
        if found is not None:
            parts = {name: _part(name, value or "", lang, money, status)
                     for name, value in found.groupdict().items()}  # fmt: skip
            return Markup(fr_form if fr else en_form).format(**parts)  # noqa: S704 - ours
    if "; " in text:  # the lifecycle joins the reasons for one review so
        return Markup("; ").join(say(part, lang, money, status) for part in text.split("; "))
    return escape(text)


def _part(
    name: str, value: str, lang: str | None, money: Callable[[str], str],
    status: Callable[[str], str],
) -> Markup | str:  # fmt: skip
    separator = " : " if normalize_lang(lang) == "fr" else ": "
    if name == "why":
        return separator + value if value else ""
    if name == "quote":
        return Markup('{}<span lang="en">{}</span>').format(separator, value) if value else ""
    if name.startswith("amount"):
        return money(value)
    if name.startswith("status"):
        return status(value).lower()
    if name == "refund":
        return label("refund_status", value, lang).lower()
    if name.startswith("flow"):
        return label("flow", value, lang)
    return value
