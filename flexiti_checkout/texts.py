"""Customer-facing text of the extension's pages, in English and Canadian French."""

from __future__ import annotations

from flexiti_checkout.money import normalize_lang

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "modal_title": "Pay over time with Flexiti",
        "modal_full_page": "Open Flexiti in a full page",
        "modal_close": "Leave Flexiti and return to the store",
        "modal_loading": "Loading Flexiti…",
        "confirming_title": "Confirming your financing…",
        "confirming_body": "This usually takes a few seconds. Please keep this page open.",
        "confirming_slow": (
            "This is taking longer than usual. You can close this page: the store will let you "
            "know as soon as Flexiti confirms."
        ),
        "continue": "Continue",
        "back_to_store": "Return to the store",
        "outcome_title": "Flexiti financing",
        "terms_zero": "{payment} a month for {months} months at {apr} APR: no interest, no cost of borrowing.",
        "terms_interest": "{payment} a month for {months} months at {apr} APR; {cost}.",
        "cost_of_borrowing": "total cost of borrowing {cost}",
        "outcome_order": "Order {id}",
        "outcome_approved": "Your Flexiti financing is approved. Thank you!",
        "outcome_declined": "Flexiti could not approve the financing. Please choose another payment method.",
        "outcome_cancelled": "You cancelled the Flexiti financing. No payment was made.",
        "outcome_expired": "We did not hear back from Flexiti in time, so the financing was not completed.",
        "outcome_error": "Flexiti financing could not be started. Please choose another payment method.",
        "outcome_needs_review": "Flexiti approved your financing; the store will confirm your order shortly.",
        "outcome_pending": "You left Flexiti before finishing; nothing was charged. You can try again, or choose another payment method.",
        "try_again": "Try again",
        "outcome_unknown": "We are confirming your financing with Flexiti. The store will let you know.",
        "error_title": "Flexiti financing",
        "not_found": "This Flexiti page does not exist, or its link has expired. Return to the store to start again.",
        "reference": "Reference",
        "badge_text": "or {payment}/mo for {months} months at {apr} APR",
        "badge_text_no_apr": "or {payment}/mo for {months} months with Flexiti",
        "badge_more": "Learn more",
        "badge_label": "{text}. Learn more about Flexiti financing and its full terms",
    },
    "fr": {
        "modal_title": "Payez au fil du temps avec Flexiti",
        "modal_full_page": "Ouvrir Flexiti en pleine page",
        "modal_close": "Quitter Flexiti et revenir au magasin",
        "modal_loading": "Chargement de Flexiti…",
        "confirming_title": "Confirmation de votre financement…",
        "confirming_body": "Cela prend habituellement quelques secondes. Veuillez garder cette page ouverte.",
        "confirming_slow": (
            "Cela prend plus de temps que d'habitude. Vous pouvez fermer cette page\u00a0: le magasin "
            "vous avisera dès que Flexiti aura confirmé."
        ),
        "continue": "Continuer",
        "back_to_store": "Revenir au magasin",
        "outcome_title": "Financement Flexiti",
        "terms_zero": "{payment} par mois pendant {months} mois au TAP de {apr} : sans intérêt ni coût d'emprunt.",
        "terms_interest": "{payment} par mois pendant {months} mois au TAP de {apr}; {cost}.",
        "cost_of_borrowing": "coût total d'emprunt {cost}",
        "outcome_order": "Commande {id}",
        "outcome_approved": "Votre financement Flexiti est approuvé. Merci!",
        "outcome_declined": "Flexiti n'a pas pu approuver le financement. Veuillez choisir un autre mode de paiement.",
        "outcome_cancelled": "Vous avez annulé le financement Flexiti. Aucun paiement n'a été effectué.",
        "outcome_expired": "Flexiti n'a pas répondu à temps; le financement n'a pas été conclu.",
        "outcome_error": "Le financement Flexiti n'a pas pu démarrer. Veuillez choisir un autre mode de paiement.",
        "outcome_needs_review": "Flexiti a approuvé votre financement; le magasin confirmera votre commande sous peu.",
        "outcome_pending": "Vous avez quitté Flexiti avant de terminer; aucun montant n'a été porté à votre compte. Vous pouvez réessayer ou choisir un autre mode de paiement.",
        "try_again": "Réessayer",
        "outcome_unknown": "Nous confirmons votre financement auprès de Flexiti. Le magasin vous avisera.",
        "error_title": "Financement Flexiti",
        "not_found": "Cette page Flexiti n'existe pas ou son lien a expiré. Revenez au magasin pour recommencer.",
        "reference": "Référence",
        "badge_text": "ou {payment}/mois pendant {months} mois, TAP de {apr}",
        "badge_text_no_apr": "ou {payment}/mois pendant {months} mois avec Flexiti",
        "badge_more": "En savoir plus",
        "badge_label": "{text}. En savoir plus sur le financement Flexiti et ses conditions complètes",
    },
}


def texts(lang: str | None) -> dict[str, str]:
    """The page texts for ``lang`` (``en``/``fr``, ``en-CA``/``fr-CA``); English otherwise."""
    return TEXT[normalize_lang(lang) or "en"]
