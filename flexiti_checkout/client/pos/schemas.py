"""marshmallow schemas for the POS API answers: lenient, as for everything Flexiti sends.

Amounts may carry thousands separators (``"payment_value": "1,200.05"``) or trailing zeros
(``"120.05000"``); ids and terms arrive as numbers or strings; unknown fields are ignored.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, post_load, pre_load

from flexiti_checkout.client.pos.results import (
    AccountSummary,
    Application,
    Authorization,
    CustomerAccount,
    CustomerTransaction,
    DriversLicence,
    Fee,
    HeldAuthorization,
    InterestQuote,
    OfferType,
    SecurityQuestion,
    TermQuote,
    Transaction,
)
from flexiti_checkout.client.results import MerchantInfo
from flexiti_checkout.client.schemas import FlexibleId, LenientInt, Money, Status, _Lenient


class PosMoney(Money):
    """An amount that may be written with thousands separators (``"1,200.05"``)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Decimal | None:
        if isinstance(value, str):
            value = value.replace(",", "")
        return super()._deserialize(value, attr, data, **kwargs)


class Flag(fields.Field):
    """A yes/no Flexiti sends as ``true``, ``1``, ``"0"`` or ``"true"``."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "y"):
            return True
        if text in ("0", "false", "no", "n"):
            return False
        raise ValidationError("Not a yes/no value.")


class Text(fields.Field):
    """Any scalar as a string (``"12"`` or ``12``)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            raise ValidationError("Not a text value.")
        return str(value).strip()


class OfferTypeSchema(_Lenient):
    plan_id = FlexibleId(load_default=None)
    plan_name = Text(load_default=None)
    offer_category = Text(load_default=None)
    term_options = fields.List(LenientInt(), load_default=list, allow_none=True)

    @pre_load
    def either_spelling(self, data: Any, **kwargs: Any) -> Any:
        # POS API v2 writes term_options in answers and terms_options in the prose.
        if isinstance(data, dict) and "term_options" not in data and "terms_options" in data:
            data = {**data, "term_options": data["terms_options"]}
        return data

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> OfferType:
        terms = tuple(t for t in (data.pop("term_options") or ()) if t is not None)
        return OfferType(**data, term_options=terms)


def _offers() -> fields.List:
    return fields.List(fields.Nested(OfferTypeSchema), load_default=list, allow_none=True)


class _SecurityQuestionSchema(_Lenient):
    id = FlexibleId(required=True)
    text = Text(load_default=None)

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> SecurityQuestion:
        return SecurityQuestion(**data)


class CustomerAccountSchema(_Lenient):
    customer_id = FlexibleId(load_default=None)
    account_number = FlexibleId(load_default=None)
    available_credit = PosMoney(load_default=None)
    risk_rating = Text(load_default=None)
    payment_protection = Flag(load_default=None)
    preferred_language = Text(load_default=None)
    card_ending_in = FlexibleId(load_default=None)
    account_type = Text(load_default=None)
    province = Text(load_default=None)
    security_questions = fields.List(
        fields.Nested(_SecurityQuestionSchema),
        data_key="security_qid",
        load_default=list,
        allow_none=True,
    )
    offer_types = _offers()

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> CustomerAccount:
        data["security_questions"] = tuple(data.get("security_questions") or ())
        data["offer_types"] = tuple(data.get("offer_types") or ())
        return CustomerAccount(**data)


class AccountSummarySchema(_Lenient):
    customer_id = FlexibleId(load_default=None)
    account_number = FlexibleId(load_default=None)
    account_status = Status(load_default=None)
    account_status_reason_code = Text(load_default=None)
    tos = Flag(load_default=None)
    tos_agreement = Flag(load_default=None)
    risk_rating = Text(load_default=None)
    account_type = Text(load_default=None)
    credit_limit = PosMoney(load_default=None)
    available_credit = PosMoney(load_default=None)
    originating_merchant_id = FlexibleId(load_default=None)
    originating_merchant_name = Text(load_default=None)
    creation_date = Text(load_default=None)
    card_ending_in = FlexibleId(load_default=None)
    preferred_language = Text(load_default=None)

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> AccountSummary:
        # POS API v2 calls it tos, its v2.5 customers page tos_agreement.
        agreed = data.pop("tos_agreement", None)
        data["tos"] = data.get("tos") if data.get("tos") is not None else agreed
        return AccountSummary(**data)


class CustomerTransactionSchema(_Lenient):
    transaction_id = FlexibleId(required=True)
    status = Text(load_default=None, data_key="transaction_status")
    balance = PosMoney(load_default=None, data_key="transaction_balance")
    term = LenientInt(load_default=None)
    date = Text(load_default=None, data_key="transaction_date")
    plan_name = Text(load_default=None)

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> CustomerTransaction:
        return CustomerTransaction(**data)


class CustomerTransactionsSchema(_Lenient):
    transactions = fields.List(fields.Nested(CustomerTransactionSchema), load_default=list)


class DriversLicenceSchema(_Lenient):
    first_name = Text(load_default=None)
    middle_name = Text(load_default=None)
    last_name = Text(load_default=None)
    dob = Text(load_default=None)
    address_1 = Text(load_default=None)
    city = Text(load_default=None)
    province = Text(load_default=None)
    postal_code = Text(load_default=None)
    govid_type = Text(load_default=None)
    govid_issuedby = Text(load_default=None)
    govid_number = Text(load_default=None)
    govid_expiry = Text(load_default=None)

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> DriversLicence:
        return DriversLicence(**data)


class ApplicationSchema(_Lenient):
    customer_id = FlexibleId(load_default=None)
    account_number = FlexibleId(load_default=None)
    credit_limit = PosMoney(load_default=None)
    available_credit = PosMoney(load_default=None)
    risk_rating = Text(load_default=None)
    debt_ratio = PosMoney(load_default=None)
    offer_types = _offers()
    vcc_number = FlexibleId(load_default=None)

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> Application:
        data["offer_types"] = tuple(data.get("offer_types") or ())
        return Application(**data)


class TransactionSchema(_Lenient):
    transaction_id = FlexibleId(required=True)
    status = Text(load_default=None)
    customer_confirmed = Flag(load_default=None)
    verified = Flag(load_default=None)
    plan_id = FlexibleId(load_default=None)
    plan_name = Text(load_default=None)
    term = LenientInt(load_default=None)
    total_amount = PosMoney(load_default=None)
    promotional_amount = PosMoney(load_default=None)
    payment_value = PosMoney(load_default=None)
    admin_fee = PosMoney(load_default=None)
    annual_fee = PosMoney(load_default=None)
    available_credit = PosMoney(load_default=None)
    balance_after_purchase = PosMoney(load_default=None)
    apr = PosMoney(load_default=None)
    air = PosMoney(load_default=None)
    account_avs = fields.Dict(load_default=dict, allow_none=True)

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> Transaction:
        data["account_avs"] = data.get("account_avs") or {}
        return Transaction(**data)


class HeldAuthorizationSchema(_Lenient):
    transaction_id = FlexibleId(required=True)
    amount = PosMoney(load_default=None)
    customer_id = FlexibleId(load_default=None)
    account_number = FlexibleId(load_default=None)
    plan_id = FlexibleId(load_default=None)
    term = LenientInt(load_default=None)
    date = Text(load_default=None, data_key="transaction_date")

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> HeldAuthorization:
        return HeldAuthorization(**data)


class HeldAuthorizationsSchema(_Lenient):
    transactions = fields.List(fields.Nested(HeldAuthorizationSchema), load_default=list)


class FeeSchema(_Lenient):
    type = Text(load_default=None)
    amount = PosMoney(load_default=None)
    description = Text(load_default=None)
    message = Text(load_default=None)

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> Fee:
        return Fee(**data)


def _fees() -> fields.List:
    return fields.List(fields.Nested(FeeSchema), load_default=list, allow_none=True)


class _TermSchema(_Lenient):
    term = LenientInt(load_default=None)
    term_amount = PosMoney(load_default=None)
    apr = PosMoney(load_default=None)
    fees = _fees()


class _PromotionalSchema(_Lenient):
    plan_id = FlexibleId(load_default=None)
    terms = fields.List(fields.Nested(_TermSchema), load_default=list, allow_none=True)


class _RegularSchema(_Lenient):
    term_amount = PosMoney(load_default=None)


class _QuoteCustomerSchema(_Lenient):
    available_credit = PosMoney(load_default=None)


class InterestQuoteSchema(_Lenient):
    account_number = FlexibleId(load_default=None)
    amount = PosMoney(load_default=None)
    customer = fields.Nested(_QuoteCustomerSchema, load_default=dict, allow_none=True)
    regular_purchase = fields.Nested(_RegularSchema, load_default=dict, allow_none=True)
    promotional_purchase = fields.List(
        fields.Nested(_PromotionalSchema), load_default=list, allow_none=True
    )

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> InterestQuote:
        quotes = tuple(
            TermQuote(
                plan_id=plan.get("plan_id"),
                term=term.get("term"),
                term_amount=term.get("term_amount"),
                apr=term.get("apr"),
                fees=tuple(term.get("fees") or ()),
            )
            for plan in data.get("promotional_purchase") or ()
            for term in plan.get("terms") or ()
        )
        return InterestQuote(
            account_number=data.get("account_number"),
            amount=data.get("amount"),
            available_credit=(data.get("customer") or {}).get("available_credit"),
            regular_term_amount=(data.get("regular_purchase") or {}).get("term_amount"),
            promotional=quotes,
        )


class _FinancingSchema(_Lenient):
    transaction_type = Text(load_default=None)
    plan_id = FlexibleId(load_default=None)
    term = LenientInt(load_default=None)


class _CaptureSchema(_Lenient):
    capture_id = FlexibleId(load_default=None)
    status = Text(load_default=None)


class AuthorizationSchema(_Lenient):
    authorization_id = FlexibleId(required=True)
    status = Text(load_default=None)
    amount = PosMoney(load_default=None)
    auto_capture = Flag(load_default=None)
    reference = Text(load_default=None)
    date = Text(load_default=None)
    expiration_date = Text(load_default=None)
    apr = PosMoney(load_default=None)
    financing_option = fields.Nested(_FinancingSchema, load_default=dict, allow_none=True)
    customer = fields.Nested(_QuoteCustomerSchema, load_default=dict, allow_none=True)
    capture = fields.Nested(_CaptureSchema, load_default=None, allow_none=True)
    fees = _fees()

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> Authorization:
        financing = data.pop("financing_option") or {}
        capture = data.pop("capture") or {}
        customer = data.pop("customer") or {}
        fees = data.pop("fees") or ()
        return Authorization(
            **data,
            transaction_type=financing.get("transaction_type"),
            plan_id=financing.get("plan_id"),
            term=financing.get("term"),
            available_credit=customer.get("available_credit"),
            capture_id=capture.get("capture_id"),
            capture_status=capture.get("status"),
            fees=tuple(fees),
        )


class MerchantInfoSchema(_Lenient):
    merchant_name = Text(load_default=None)
    merchant_id = FlexibleId(load_default=None)
    form_values = fields.Dict(load_default=dict, allow_none=True)
    offer_types = _offers()

    @pre_load
    def offers_inside_form_values(self, data: Any, **kwargs: Any) -> Any:
        # POS API v2 nests offer_types inside form_values; a top-level list is read as a fallback.
        if isinstance(data, dict) and isinstance(data.get("form_values"), dict):
            nested = data["form_values"].get("offer_types")
            if nested is not None:
                data = {**data, "offer_types": nested}
        return data

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> MerchantInfo:
        form_values = dict(data.get("form_values") or {})
        form_values.pop("offer_types", None)
        return MerchantInfo(
            merchant_name=data.get("merchant_name"),
            merchant_id=data.get("merchant_id"),
            offer_types=tuple(data.get("offer_types") or ()),
            form_values=form_values,
        )
