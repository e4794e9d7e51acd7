"""The admin console's words, in English and Canadian French."""

from __future__ import annotations

from flexiti_checkout.money import normalize_lang

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Flexiti orders",
        "orders": "Orders",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "key": "Admin key",
        "name": "Your name (recorded with each action)",
        "bad_key": "That key is not one of this service's admin keys.",
        "too_many": "Too many failed sign-ins from this address. Try again in {seconds} seconds.",
        "status": "Status",
        "all": "All",
        "search": "Order number",
        "filter": "Filter",
        "order": "Order",
        "amount": "Amount",
        "flow": "Flow",
        "created": "Created",
        "since": "In this status since",
        "checked": "Last asked Flexiti",
        "none": "No orders match.",
        "page": "Page {page} of {pages} ({total} orders)",
        "previous": "Previous",
        "next": "Next",
        "history": "History",
        "details": "What Flexiti granted",
        "address_match": "Address match",
        "actions": "Actions",
        "audit": "Staff actions",
        "actor": "By",
        "when": "When",
        "outcome": "Outcome",
        "confirm": "Confirm",
        "cancel": "Go back",
        "confirm_title": "Please confirm",
        "recheck": "Ask Flexiti now",
        "recheck_confirm": "Ask Flexiti about order {order} now and apply its answer?",
        "no_actions": "Nothing can be done on an order in this status.",
        "not_found": "There is no order {order}.",
        "bad_form": "This form expired. Reload the page and try again.",
        "done": "Done: {outcome}",
        "not_done": "Not done: {outcome}",
        "in_progress": "In progress: Flexiti is slow to answer, so this goes on without you "
        "waiting ({outcome}). This page shows the outcome once Flexiti answers; do not ask again.",
        "under_way_cancellation": "A cancellation asked by {actor} at {since} is under way at "
        "Flexiti. This page shows the outcome once Flexiti answers.",
        "under_way_review_decision": "A review decision by {actor} at {since} is under way at "
        "Flexiti. This page shows the outcome once Flexiti answers.",
        "reference": "Reference id (for Flexiti's support)",
        "flexiti_order": "Flexiti order",
        "flexiti_status": "Flexiti status",
        "error": "Error",
        "refund": "Refund",
        "refund_confirm": "Refund order {order} at Flexiti?",
        "refund_amount": "Amount (leave empty to refund all that remains: {remaining})",
        "reason": "Reason",
        "cancel_order": "Cancel the purchase",
        "cancel_order_confirm": "Cancel order {order}'s purchase at Flexiti?",
        "review": "Decide the review",
        "review_confirm": "Decide order {order}: approve it, or reject it (Flexiti cancels or "
        "returns the purchase)?",
        "decision": "Decision",
        "approve": "Approve",
        "reject": "Reject",
        "note": "Note (why; kept in the history)",
        "refund_outcome": "Settle an unknown refund",
        "refund_outcome_confirm": "What does Flexiti say happened to this refund of order {order}?",
        "refund_id": "Refund",
        "flexiti_says": "Flexiti says",
        "refund_succeeded": "The money went back (succeeded)",
        "refund_failed": "Nothing was returned (failed)",
        "refunds": "Refunds",
        "refundable": "Refundable",
        "refund_status": "Refund status",
        "language": "Français",
        "home": "Needs attention",
        "colon": ": ",
        "attention_none": "Nothing needs attention.",
        "in_review": "Orders in review",
        "unknown_refunds": "Refunds with an unknown outcome",
        "failing_webhooks": "Webhooks that keep failing",
        "late_pending": "Orders pending longer than {wait}",
        "count": "{count} to look at",
        "event": "Event",
        "attempts": "Attempts",
        "last_error": "Last error",
        "export": "Export for accounting",
        "export_from": "From",
        "export_to": "To (included)",
        "export_orders": "Orders (CSV)",
        "export_refunds": "Refunds (CSV)",
        "bad_dates": "Choose a start and an end date (YYYY-MM-DD), the start first, at most "
        "{days} days apart.",
        "review_reason": "Why this order needs review",
        "posted": "Flexiti has posted this purchase: refund it instead.",
        "cancellable_unknown": "Flexiti could not be asked whether this purchase can still be "
        "cancelled. Refund it, or reload the page to ask again.",
        "field": "Field",
        "times_in": "Times are in the store's time zone ({zone}); hover over one for UTC.",
        "address_hint": "Flexiti compares the addresses sent with its records; hover over a "
        "verdict for its score (0 to 1).",
        "flexiti_answer": "Flexiti's answer",
        "what_to_do": "What to do:",
        "todo_posted": "Flexiti has posted this purchase: refund it instead.",
        "todo_too_large": "Refund at most what remains refundable, shown on the order.",
        "todo_state": "The order changed meanwhile: read its status and history, then choose "
        "again.",
        "todo_form": "Fill in the form as asked and confirm again.",
        "todo_refused": "Flexiti refused it as it stands: sending it again will not help. Check "
        "the purchase in Flexiti's merchant portal, or call Flexiti's support with the "
        "reference id.",
        "todo_failed": "Nothing changed: Flexiti could not be reached. Try again in a few "
        "minutes; if it persists, call Flexiti's support with the reference id.",
        "todo_refund_failed": "Flexiti refused the refund: no money went back. Check the purchase "
        "in Flexiti's merchant portal before trying again.",
        "todo_refund_unknown": "Flexiti did not answer: the money may or may not have gone back. "
        "Do not refund again; the reconciliation asks Flexiti, or settle it here once "
        "Flexiti says what happened.",
    },
    "fr": {
        "title": "Commandes Flexiti",
        "orders": "Commandes",
        "sign_in": "Se connecter",
        "sign_out": "Se déconnecter",
        "key": "Clé d'administration",
        "name": "Votre nom (noté avec chaque action)",
        "bad_key": "Cette clé n'est pas une clé d'administration de ce service.",
        "too_many": "Trop d'échecs de connexion depuis cette adresse. Réessayez dans {seconds} secondes.",
        "status": "Statut",
        "all": "Tous",
        "search": "Numéro de commande",
        "filter": "Filtrer",
        "order": "Commande",
        "amount": "Montant",
        "flow": "Parcours",
        "created": "Créée",
        "since": "Dans ce statut depuis",
        "checked": "Dernière demande à Flexiti",
        "none": "Aucune commande ne correspond.",
        "page": "Page {page} de {pages} ({total} commandes)",
        "previous": "Précédente",
        "next": "Suivante",
        "history": "Historique",
        "details": "Ce que Flexiti a accordé",
        "address_match": "Correspondance des adresses",
        "actions": "Actions",
        "audit": "Actions du personnel",
        "actor": "Par",
        "when": "Quand",
        "outcome": "Résultat",
        "confirm": "Confirmer",
        "cancel": "Retour",
        "confirm_title": "Veuillez confirmer",
        "recheck": "Interroger Flexiti maintenant",
        "recheck_confirm": "Interroger Flexiti sur la commande {order} maintenant et appliquer sa réponse?",
        "no_actions": "Aucune action n'est possible pour une commande dans ce statut.",
        "not_found": "La commande {order} n'existe pas.",
        "bad_form": "Ce formulaire a expiré. Rechargez la page et réessayez.",
        "done": "Fait : {outcome}",
        "not_done": "Non effectué : {outcome}",
        "in_progress": "En cours : Flexiti tarde à répondre, l'action se poursuit sans que vous "
        "attendiez ({outcome}). Cette page en montre l'issue dès que Flexiti répond; ne la "
        "demandez pas de nouveau.",
        "under_way_cancellation": "Une annulation demandée par {actor} à {since} est en cours "
        "chez Flexiti. Cette page en montre l'issue dès que Flexiti répond.",
        "under_way_review_decision": "Une décision de revue prise par {actor} à {since} est en "
        "cours chez Flexiti. Cette page en montre l'issue dès que Flexiti répond.",
        "reference": "Identifiant de référence (pour le soutien de Flexiti)",
        "flexiti_order": "Commande Flexiti",
        "flexiti_status": "Statut chez Flexiti",
        "error": "Erreur",
        "refund": "Rembourser",
        "refund_confirm": "Rembourser la commande {order} chez Flexiti?",
        "refund_amount": "Montant (vide : tout ce qui reste, {remaining})",
        "reason": "Motif",
        "cancel_order": "Annuler l'achat",
        "cancel_order_confirm": "Annuler l'achat de la commande {order} chez Flexiti?",
        "review": "Trancher l'examen",
        "review_confirm": "Trancher la commande {order} : l'approuver, ou la rejeter (Flexiti "
        "annule ou rembourse l'achat)?",
        "decision": "Décision",
        "approve": "Approuver",
        "reject": "Rejeter",
        "note": "Note (pourquoi; gardée dans l'historique)",
        "refund_outcome": "Régler un remboursement incertain",
        "refund_outcome_confirm": "Selon Flexiti, qu'est-il arrivé à ce remboursement de la "
        "commande {order}?",
        "refund_id": "Remboursement",
        "flexiti_says": "Flexiti dit",
        "refund_succeeded": "L'argent a été rendu (réussi)",
        "refund_failed": "Rien n'a été rendu (échoué)",
        "refunds": "Remboursements",
        "refundable": "Remboursable",
        "refund_status": "Statut du remboursement",
        "language": "English",
        "home": "À traiter",
        "colon": " : ",
        "attention_none": "Rien n'est à traiter.",
        "in_review": "Commandes à examiner",
        "unknown_refunds": "Remboursements au résultat incertain",
        "failing_webhooks": "Webhooks qui échouent encore",
        "late_pending": "Commandes en attente depuis plus de {wait}",
        "count": "{count} à traiter",
        "event": "Événement",
        "attempts": "Tentatives",
        "last_error": "Dernière erreur",
        "export": "Exporter pour la comptabilité",
        "export_from": "Du",
        "export_to": "Au (inclus)",
        "export_orders": "Commandes (CSV)",
        "export_refunds": "Remboursements (CSV)",
        "bad_dates": "Choisissez une date de début et une date de fin (AAAA-MM-JJ), le début en "
        "premier, au plus {days} jours d'écart.",
        "review_reason": "Pourquoi examiner cette commande",
        "posted": "Flexiti a porté cet achat au compte : remboursez-le plutôt.",
        "cancellable_unknown": "Impossible de demander à Flexiti si cet achat peut encore être "
        "annulé. Remboursez-le, ou rechargez la page pour redemander.",
        "field": "Champ",
        "times_in": "Heures du fuseau du magasin ({zone}); survolez-en une pour l'heure UTC.",
        "address_hint": "Flexiti compare les adresses envoyées à ses dossiers; survolez un "
        "verdict pour voir sa note (de 0 à 1).",
        "flexiti_answer": "Réponse de Flexiti",
        "what_to_do": "Que faire :",
        "todo_posted": "Flexiti a porté cet achat au compte : remboursez-le plutôt.",
        "todo_too_large": "Remboursez au plus ce qui reste remboursable, indiqué sur la commande.",
        "todo_state": "La commande a changé entre-temps : lisez son statut et son historique, "
        "puis choisissez de nouveau.",
        "todo_form": "Remplissez le formulaire comme demandé et confirmez de nouveau.",
        "todo_refused": "Flexiti a refusé la demande telle quelle : la renvoyer n'y changera "
        "rien. Vérifiez l'achat dans le portail marchand de Flexiti, ou appelez le soutien de "
        "Flexiti avec l'identifiant de référence.",
        "todo_failed": "Rien n'a changé : Flexiti était injoignable. Réessayez dans quelques "
        "minutes; si cela persiste, appelez le soutien de Flexiti avec l'identifiant de "
        "référence.",
        "todo_refund_failed": "Flexiti a refusé le remboursement : aucun argent n'a été rendu. "
        "Vérifiez l'achat dans le portail marchand de Flexiti avant de réessayer.",
        "todo_refund_unknown": "Flexiti n'a pas répondu : l'argent a peut-être été rendu, ou "
        "non. Ne remboursez pas de nouveau; le rapprochement interroge Flexiti, ou réglez-le "
        "ici dès que Flexiti dit ce qui s'est passé.",
    },
}

STATUS_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "created": "Starting", "pending": "Pending", "approved": "Approved",
        "declined": "Declined", "cancelled": "Cancelled", "needs_review": "Needs review",
        "expired": "Expired", "error": "Error", "partially_refunded": "Partly refunded",
        "refunded": "Refunded",
    },
    "fr": {
        "created": "En démarrage", "pending": "En attente", "approved": "Approuvée",
        "declined": "Refusée", "cancelled": "Annulée", "needs_review": "À examiner",
        "expired": "Expirée", "error": "Erreur", "partially_refunded": "Remboursée en partie",
        "refunded": "Remboursée",
    },
}  # fmt: skip


def admin_texts(lang: str | None) -> dict[str, str]:
    return TEXT[normalize_lang(lang) or "en"]


def status_names(lang: str | None) -> dict[str, str]:
    return STATUS_NAMES[normalize_lang(lang) or "en"]
