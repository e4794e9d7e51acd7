"""Oscar's payment step and "place order", paying with Flexiti through the checkout service.

Flexiti is offered when the service says it finances the order total. "Place order" freezes the
basket, keeps what the order needs (``FlexitiCheckout``) and starts a checkout at the service;
the customer goes to Flexiti in the service's dialog (``flexiti.js`` posts the form and opens
the ``modal_url`` it is answered) or, without script, by redirect. The Oscar order is placed
only once the service says Flexiti approved (``flexiti_oscar.orders``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.http import HttpResponse, JsonResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from oscar.apps.checkout import views
from oscar.core.loading import get_classes, get_model

from flexiti_oscar.models import FlexitiCheckout
from flexiti_oscar.service import FlexitiService, ServiceError

Basket = get_model("basket", "Basket")
PaymentError, RedirectRequired, UnableToTakePayment = get_classes(
    "payment.exceptions", ["PaymentError", "RedirectRequired", "UnableToTakePayment"]
)


class PaymentDetailsView(views.PaymentDetailsView):
    pre_conditions: ClassVar[list[str]] = [
        "restore_unfinished_flexiti_basket",
        *views.PaymentDetailsView.pre_conditions,
    ]
    started: dict[str, Any] | None = None

    def restore_unfinished_flexiti_basket(self, request: Any) -> None:
        """A customer who closed Flexiti's dialog before finishing gets their basket back."""
        basket_id = self.checkout_session.get_submitted_basket_id()
        pending = FlexitiCheckout.objects.filter(basket_id=basket_id, status="pending")
        if (
            basket_id
            and pending.exists()
            and Basket.objects.filter(pk=basket_id, status=Basket.FROZEN).exists()
        ):
            self.restore_frozen_basket()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        total = context.get("order_total")
        context["flexiti_available"] = total is not None and self.flexiti_offered(total)
        return context

    def flexiti_offered(self, total: Any) -> bool:
        return total.currency == "CAD" and FlexitiService.from_settings().available(total.incl_tax)

    def submit(self, **submission: Any) -> HttpResponse:
        self.submission = submission
        response = super().submit(**submission)
        if self.started and "json" in self.request.headers.get("Accept", ""):
            return JsonResponse({"modal_url": self.started["modal_url"]})  # flexiti.js opens it
        return response

    def generate_order_number(self, basket: Any) -> str:
        """Oscar's number; a pending Flexiti checkout of this basket for the same total is
        resumed under its number (the service reuses its Flexiti order), else a new one."""
        number = str(super().generate_order_number(basket))
        earlier = FlexitiCheckout.objects.filter(basket_id=basket.id).order_by("-pk")
        last = earlier.first()
        if last is None:
            return number
        if last.status == "pending" and last.amount == self.submission["order_total"].incl_tax:
            return last.number
        return f"{number}-{earlier.count() + 1}"

    def handle_payment(self, order_number: str, total: Any, **kwargs: Any) -> None:
        if not self.flexiti_offered(total):
            raise UnableToTakePayment(_("Flexiti does not finance this order."))
        user = self.submission["user"]
        FlexitiCheckout.objects.update_or_create(number=order_number, defaults={
            "basket": self.submission["basket"], "amount": total.incl_tax, "status": "pending",
            "user": user if user.is_authenticated else None,
            "session": self.request.session[self.checkout_session.SESSION_KEY],
        })  # fmt: skip
        shipping = self.submission["shipping_address"]
        billing = self.submission["billing_address"] or shipping
        lang = (get_language() or "en")[:2]
        try:
            self.started = FlexitiService.from_settings().start({
                "merchant_order_id": order_number, "amount": f"{total.incl_tax:.2f}",
                "flow": "apply/buy", "lang": lang if lang in ("en", "fr") else "en",
                "email": user.email if user.is_authenticated
                else self.submission["order_kwargs"].get("guest_email"),
                "first_name": billing.first_name, "last_name": billing.last_name,
                "billing": _address(billing), "shipping": _address(shipping),
            })  # fmt: skip
        except ServiceError as exc:
            FlexitiCheckout.objects.filter(number=order_number).update(status="not_started")
            if exc.status == 0 or exc.status >= 500:
                raise PaymentError(str(exc)) from exc
            raise UnableToTakePayment(_("Flexiti could not start: %s") % exc) from exc
        raise RedirectRequired(self.started["redirect_url"])


def _address(address: Any) -> dict[str, str]:
    """An Oscar address as the service takes it (a Canadian one: ``state`` is the province)."""
    return {
        "first_name": address.first_name, "last_name": address.last_name,
        "address_1": address.line1, "address_2": ", ".join(filter(None, [address.line2,
                                                                         address.line3])),
        "city": address.line4, "province": address.state, "postal_code": address.postcode,
    }  # fmt: skip
