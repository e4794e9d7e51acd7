"""POS API transactions: create and change them, list held ones, post, cancel and return them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flexiti_checkout.client.caller import segment
from flexiti_checkout.client.pos.calls import (
    TRANSACTION_TYPES,
    V2,
    PosPart,
    choice,
    present,
)
from flexiti_checkout.client.pos.results import BackOfficeResult, HeldAuthorization, Transaction
from flexiti_checkout.client.pos.schemas import HeldAuthorizationsSchema, TransactionSchema
from flexiti_checkout.client.transport import new_reference_id, normalize_reference_id
from flexiti_checkout.money import parse_amount


class PosTransactions(PosPart):
    """Transactions: create, change, list held ones, and the back-office post/cancel/return."""

    # -- transactions (v2) ----------------------------------------------------------------

    def create_transaction(
        self,
        amount: Decimal,
        *,
        verification_code: str | int | None,
        transaction_type: str = "promotional_purchase",
        plan_id: str | None = None,
        term: int | None = None,
        vcc_number: str | None = None,
        account_number: str | None = None,
        customer_id: str | None = None,
        customer_confirmed: bool = False,
        hold_authorization: bool = False,
        account_avs: Mapping[str, Any] | None = None,
        lang: str | None = None,
        reference_id: str | None = None,
    ) -> Transaction:
        """Create a transaction on a customer's account (a card, account or customer id).

        ``customer_confirmed`` posts it at once; ``hold_authorization`` holds the credit until
        ``post_transaction`` or ``cancel_transaction``; neither leaves it pending for ``PUT``.
        """
        choice("transaction_type", transaction_type, TRANSACTION_TYPES)
        if not (vcc_number or account_number or customer_id):
            raise ValueError("a transaction needs a vcc_number, account_number or customer_id")
        if transaction_type == "promotional_purchase" and (plan_id is None or term is None):
            raise ValueError("a promotional purchase needs a plan_id and a term")
        body = present(
            transaction_type=transaction_type,
            plan_id=plan_id,
            term=term,
            amount=parse_amount(amount, "amount"),
            vcc_number=vcc_number,
            account_number=account_number,
            customer_id=customer_id,
            account_avs=dict(account_avs) if account_avs is not None else None,
            customer_confirmed=bool(customer_confirmed),
            hold_authorization=bool(hold_authorization),
            verification_code=verification_code,
        )
        params = present(lang=lang)
        data = self._pos(
            "POST", "/transactions", V2, reference_id, json=body, params=params or None
        )
        return self._load(TransactionSchema(), data, "transaction", reference_id)

    def update_transaction(
        self,
        transaction_id: str,
        *,
        validation: str | int | None,
        amount: Decimal | None = None,
        plan_id: str | None = None,
        term: int | None = None,
        customer_confirmed: bool | None = None,
        hold_authorization: bool | None = None,
        transaction_type: str = "promotional_purchase",
        reference_id: str | None = None,
    ) -> Transaction:
        """``PUT transactions/{id}``: change or confirm a promotional purchase not yet posted."""
        body = present(
            transaction_type=transaction_type,
            plan_id=plan_id,
            term=term,
            amount=parse_amount(amount, "amount") if amount is not None else None,
            customer_confirmed=customer_confirmed,
            hold_authorization=hold_authorization,
            validation=validation,
        )
        path = f"/transactions/{segment(transaction_id)}"
        data = self._pos("PUT", path, V2, reference_id, json=body, endpoint="/transactions/{id}")
        return self._load(TransactionSchema(), data, "transaction", reference_id)

    def authorized_transactions(
        self, *, reference_id: str | None = None
    ) -> list[HeldAuthorization]:
        """The transactions holding credit (``hold_authorization``), to post or cancel."""
        data = self._pos("GET", "/transactions/authorized", V2, reference_id)
        if isinstance(data, list):
            data = {"transactions": data}
        result = self._load(
            HeldAuthorizationsSchema(), data, "authorized transactions", reference_id
        )
        return list(result["transactions"])

    def post_transaction(
        self, transaction_id: str, *, reference_id: str | None = None
    ) -> BackOfficeResult:
        """Post (capture) a pending or held purchase."""
        return self._back_office(transaction_id, "post", {}, None, reference_id)

    def cancel_transaction(
        self, transaction_id: str, *, reference_id: str | None = None
    ) -> BackOfficeResult:
        """Cancel a pending or held purchase, releasing the credit it held."""
        return self._back_office(transaction_id, "cancel", {}, None, reference_id)

    def return_transaction(
        self,
        transaction_id: str,
        amount: Decimal | None = None,
        *,
        reference_id: str | None = None,
    ) -> BackOfficeResult:
        """Return a posted purchase: all that remains when ``amount`` is None, else ``amount``.

        Raises ``ExceedsAmountError`` when ``amount`` is more than what can still be returned.
        """
        if amount is None:
            body: dict[str, Any] = {"return_type": "full"}
        else:
            amount = parse_amount(amount, "amount")
            # POS API v2 types return_amount as a string.
            body = {"return_type": "partial", "return_amount": format(amount, "f")}
        return self._back_office(transaction_id, "return", body, amount, reference_id)

    def _back_office(
        self,
        transaction_id: str,
        action: str,
        body: dict[str, Any],
        amount: Decimal | None,
        reference_id: str | None,
    ) -> BackOfficeResult:
        if not str(transaction_id).strip():
            raise ValueError(f"{action} needs a transaction id")
        # The id that goes out, as the transport sends it: the result names it for support.
        reference_id = normalize_reference_id(reference_id) if reference_id else new_reference_id()
        path = f"/transactions/{segment(transaction_id)}/{action}"
        endpoint = f"/transactions/{{id}}/{action}"
        data = self._pos("POST", path, V2, reference_id, json=body, endpoint=endpoint)
        return BackOfficeResult(
            transaction_id=str(transaction_id).strip(),
            action=action,
            reference_id=reference_id,
            amount=amount,
            answer=dict(data) if isinstance(data, Mapping) else {},
        )
