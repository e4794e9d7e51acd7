"""POS API calls about merchants, reference data, applications, accounts and customers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from flexiti_checkout.client.caller import segment
from flexiti_checkout.client.pos.calls import (
    ACCOUNT_VERIFY_FORMATS,
    V2,
    V2_5,
    VERIFY_FORMATS,
    PosPart,
    amounts,
    choice,
    dob_text,
    json_object,
    present,
    query_value,
    verification,
)
from flexiti_checkout.client.pos.results import (
    AccountSummary,
    Application,
    Authorization,
    CustomerAccount,
    CustomerTransaction,
    DriversLicence,
    InterestQuote,
    PosWidgetSession,
    Verification,
)
from flexiti_checkout.client.pos.schemas import (
    AccountSummarySchema,
    ApplicationSchema,
    AuthorizationSchema,
    CustomerAccountSchema,
    CustomerTransactionsSchema,
    DriversLicenceSchema,
    InterestQuoteSchema,
    MerchantInfoSchema,
)
from flexiti_checkout.client.results import MerchantInfo
from flexiti_checkout.errors import UnavailableError
from flexiti_checkout.money import parse_amount


class PosCustomers(PosPart):
    """Merchant login, reference data, applications, accounts and customers."""

    # -- merchant session and reference data (v2.5) -------------------------------------

    def merchant_login(
        self,
        lang: str = "en",
        *,
        merchant_username: str | None = None,
        merchant_password: str | None = None,
        reference_id: str | None = None,
    ) -> MerchantInfo:
        """Log in to the POS API: the merchant's form values and offer types (plans, terms)."""
        body = present(merchant_username=merchant_username, merchant_password=merchant_password)
        data = self._pos(
            "POST", "/merchants/login", V2_5, reference_id, json=body, params={"lang": lang}
        )
        return self._load(MerchantInfoSchema(), data, "merchant login", reference_id)

    def terms_and_conditions(
        self, lang: str = "en", *, province: str | None = None, reference_id: str | None = None
    ) -> str:
        """The HTML terms an applicant must accept (Quebec's own when ``province`` is QC)."""
        params = present(lang=lang, province=province)
        return str(
            self._pos("GET", "/terms-and-conditions", V2_5, reference_id, params=params, text=True)
        )

    def i18n(
        self, lang: str = "en", *, key: str | None = None, reference_id: str | None = None
    ) -> dict[str, Any]:
        """Form values and customer-facing texts, all of them or the one named ``key``."""
        path = "/i18n" if key is None else f"/i18n/{segment(key)}"
        data = self._pos(
            "GET",
            path,
            V2_5,
            reference_id,
            params={"lang": lang},
            endpoint=None if key is None else "/i18n/{key}",
        )
        return json_object(data, "i18n", reference_id)

    def information(self, *, reference_id: str | None = None, **fields: Any) -> dict[str, Any]:
        """``POST information``: POS API v2.5 names this endpoint but documents no fields."""
        data = self._pos("POST", "/information", V2_5, reference_id, json=fields)
        return json_object(data, "information", reference_id)

    def pos_widget_init(
        self, *, reference_id: str | None = None, **fields: Any
    ) -> PosWidgetSession:
        """Open the POS API's online widget; the session id is read from its redirect URL."""
        data = self._pos("POST", "/widget/init", V2_5, reference_id, json=amounts(fields))
        url = None
        if isinstance(data, Mapping):
            url = next(
                (data[k] for k in ("redirect_url", "redirection_url", "url") if data.get(k)),
                None,
            )
        if not isinstance(url, str):
            raise UnavailableError(
                "Flexiti's widget init answer carried no URL", reference_id=reference_id
            )
        session = data.get("widget_session_id") or query_value(url, "widget_session_id")
        return PosWidgetSession(url, str(session) if session else None)

    def pos_widget_authorization(
        self, *, reference_id: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """``POST widget/authorization``: POS API v2.5 names it beside ``widget/init`` and
        documents no fields or answer, so the fields go as given and the answer comes back."""
        data = self._pos("POST", "/widget/authorization", V2_5, reference_id, json=amounts(fields))
        return json_object(data, "widget authorization", reference_id)

    # -- applications and accounts (v2.5) ------------------------------------------------

    def apply(
        self, application: Mapping[str, Any], *, reference_id: str | None = None
    ) -> Application:
        """Submit a credit application; Quebec applicants also need monthly_housing_expenses."""
        data = self._pos("POST", "/apply", V2_5, reference_id, json=amounts(application))
        return self._load(ApplicationSchema(), data, "application", reference_id)

    def close_account(self, account_number: str, *, reference_id: str | None = None) -> None:
        """Close an account (a Quebec applicant declining the credit just granted)."""
        path = f"/accounts/{segment(account_number)}/close"
        self._pos("POST", path, V2_5, reference_id, json={}, endpoint="/accounts/{id}/close")

    def verify_account(
        self,
        account_number: str,
        format: str = "sms",
        *,
        vcc_number: str | None = None,
        security_qid: str | None = None,
        security_answer: str | None = None,
        request_id: str | None = None,
        reference_id: str | None = None,
    ) -> Verification:
        """Verify the customer of an account; the code goes with a purchase or authorization."""
        choice("format", format, ACCOUNT_VERIFY_FORMATS)
        body = present(
            format=format,
            vcc_number=vcc_number,
            security_qid=security_qid,
            security_answer=security_answer,
            request_id=request_id,
        )
        path = f"/account/{segment(account_number)}/verify"
        endpoint = "/account/{id}/verify"
        return verification(
            self._pos("POST", path, V2_5, reference_id, json=body, endpoint=endpoint)
        )

    def calculate_interest(
        self,
        account_number: str,
        amount: Decimal,
        *,
        lang: str = "en",
        reference_id: str | None = None,
    ) -> InterestQuote:
        """Deprecated (R21.10.0) but still served: what ``amount`` costs, per plan and term."""
        path = f"/accounts/{segment(account_number)}/calculate-interest"
        body = {"amount": parse_amount(amount, "amount")}
        data = self._pos("POST", path, V2_5, reference_id, json=body, params={"lang": lang},
                         endpoint="/accounts/{id}/calculate-interest")  # fmt: skip
        return self._load(InterestQuoteSchema(), data, "calculate-interest", reference_id)

    def authorization(
        self,
        account_number: str,
        amount: Decimal,
        *,
        auto_capture: bool,
        transaction_type: str = "promotional_purchase",
        plan_id: str | None = None,
        term: int | None = None,
        reference: str | None = None,
        verification_code: str | None = None,
        lang: str = "en",
        reference_id: str | None = None,
        **fields: Any,
    ) -> Authorization:
        """Deprecated (R21.10.0): a credit authorization, captured at once with auto_capture.

        ``reference`` is the merchant order id; ``fields`` carries ``vcc_number``,
        ``billing_information``, ``shipping_information``, ``sku_data`` and the channel ids.
        """
        choice("transaction_type", transaction_type, ("promotional_purchase", "regular_purchase"))
        financing = present(transaction_type=transaction_type, plan_id=plan_id, term=term)
        body = present(
            account_number=str(account_number),
            amount=parse_amount(amount, "amount"),
            auto_capture=bool(auto_capture),
            financing_option=financing,
            reference=reference,
            verification_code=verification_code,
        )
        body.update(fields)
        data = self._pos(
            "POST", "/authorization", V2_5, reference_id, json=body, params={"lang": lang}
        )
        return self._load(AuthorizationSchema(), data, "authorization", reference_id)

    # -- customers (v2) -------------------------------------------------------------------

    def lookup_customer(
        self,
        *,
        vcc_number: str | None = None,
        account_number: str | None = None,
        customer_id: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        dob: date | str | None = None,
        postal_code: str | None = None,
        lang: str | None = None,
        reference_id: str | None = None,
    ) -> CustomerAccount:
        """The account of a Flexiti card, account or customer id, or of a name and birth date."""
        params = present(
            vcc_number=vcc_number,
            account_number=account_number,
            customer_id=customer_id,
            first_name=first_name,
            last_name=last_name,
            dob=dob_text(dob),
            postal_code=postal_code,
            lang=lang,
        )
        if not params.keys() - {"lang"}:
            raise ValueError("a customer lookup needs a card, account or customer id, or a name")
        data = self._pos("GET", "/customers/lookup", V2, reference_id, params=params)
        return self._load(CustomerAccountSchema(), data, "customer lookup", reference_id)

    def search_customers(
        self,
        first_name: str,
        last_name: str,
        dob: date | str,
        *,
        postal_code: str | None = None,
        reference_id: str | None = None,
    ) -> list[AccountSummary]:
        """Every account of the customer with this name and date of birth."""
        params = present(
            first_name=first_name, last_name=last_name, dob=dob_text(dob), postal_code=postal_code
        )
        data = self._pos("GET", "/customers/search", V2, reference_id, params=params)
        rows = data if isinstance(data, list) else []
        return list(
            self._load(AccountSummarySchema(many=True), rows, "customer search", reference_id)
        )

    def verify_customer(
        self,
        customer_id: str,
        format: str = "sms",
        *,
        security_qid: str | None = None,
        security_answer: str | None = None,
        piw: str | None = None,
        reference_id: str | None = None,
    ) -> Verification:
        """Verify a customer by SMS, e-mail, security question or merchant override.

        ``piw`` is the customer's personal identification word, for merchants that ask for it;
        a wrong one is refused (``piw_mismatch``, a ``ConflictError``).
        """
        choice("format", format, VERIFY_FORMATS)
        body = present(
            format=format, security_qid=security_qid, security_answer=security_answer, piw=piw
        )
        path = f"/customers/{segment(customer_id)}/verify"
        endpoint = "/customers/{id}/verify"
        return verification(self._pos("POST", path, V2, reference_id, json=body, endpoint=endpoint))

    def customer_transactions(
        self, customer_id: str, *, reference_id: str | None = None
    ) -> list[CustomerTransaction]:
        """The customer's purchases that can still be returned, with what remains of each."""
        path = f"/customers/{segment(customer_id)}/transactions"
        data = self._pos("GET", path, V2, reference_id, endpoint="/customers/{id}/transactions")
        result = self._load(
            CustomerTransactionsSchema(), data, "customer transactions", reference_id
        )
        return list(result["transactions"])

    def decode_drivers_licence(
        self, code: str, *, reference_id: str | None = None
    ) -> DriversLicence:
        """Decode a scanned PDF417 driver's licence into application fields."""
        data = self._pos("POST", "/customers/driverslicense", V2, reference_id, json={"code": code})
        return self._load(DriversLicenceSchema(), data, "driver's licence", reference_id)

    def close_customer_account(
        self, account_number: str, *, reference_id: str | None = None
    ) -> None:
        """Close a Quebec account through ``customers/close-account`` (POS API v2's spelling)."""
        body = {"account_number": str(account_number)}
        self._pos("POST", "/customers/close-account", V2, reference_id, json=body)
