"""The customer's return from Flexiti, the service's webhook, and the dashboard's refund action."""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oscar.core.loading import get_class, get_model
from oscar.templatetags.currency_filters import currency
from standardwebhooks import Webhook, WebhookVerificationError

from flexiti_oscar.models import FlexitiCheckout
from flexiti_oscar.orders import locked, record_refund, settle
from flexiti_oscar.service import FlexitiService, ServiceError

log = logging.getLogger("flexiti_oscar")

Order = get_model("order", "Order")
OrderPlacementMixin: Any = get_class("checkout.mixins", "OrderPlacementMixin")


class ReturnView(OrderPlacementMixin, View):
    """Where the service sends the customer once Flexiti has decided (``?merchant_order_id=``).

    The query string only names the order; the service's answer decides, and only for the
    checkout this browser's session started. Approved: the order is placed (or found placed by
    the webhook) and the customer sees Oscar's thank-you page. Declined, cancelled, expired, or
    left before Flexiti decided: the basket is theirs again, with a message in their language,
    at the order preview.
    """

    def get(self, request: HttpRequest) -> HttpResponse:
        number = request.GET.get("merchant_order_id", "")
        checkout = FlexitiCheckout.objects.filter(number=number).first()
        if checkout is None or self.checkout_session.get_order_number() != number:
            messages.warning(request, _("This Flexiti checkout is not one of this session's."))
            return redirect("basket:summary")
        try:
            data = FlexitiService.from_settings().order(number)
        except ServiceError:
            data = {"status": "pending"}  # the webhook will settle it; look again shortly
        # FLEXITI_FAILURE_ENDPOINT carries ?left=1: the customer left while Flexiti is undecided.
        undecided = data["status"] in ("created", "pending")
        if undecided and "left" not in request.GET:
            return render(request, "flexiti_oscar/confirming.html", {"number": number})
        order = settle(checkout, data)
        if order is not None:
            self.checkout_session.flush()
            request.session["checkout_order_id"] = order.id
            return redirect("checkout:thank-you")
        self.restore_frozen_basket()
        if data["status"] == "declined":
            messages.error(request, _("Flexiti did not approve the financing. Nothing was "
                                      "charged; your basket is as you left it."))  # fmt: skip
        else:
            messages.warning(request, _("You left Flexiti before finishing. Nothing was "
                                        "charged; your basket is as you left it."))  # fmt: skip
        return redirect("checkout:preview")


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """The service's signed events (Standard Webhooks): an order placed or kept in step.

    Answered 2xx once applied, and for an order this shop does not know (logged): the service
    retries anything else, and each event may come more than once.
    """
    try:
        event = Webhook(settings.FLEXITI_WEBHOOK_SECRET).verify(request.body, request.headers)
        data, kind = event["data"], event["type"]
        number = data["merchant_order_id"]
    except (WebhookVerificationError, ValueError, KeyError, TypeError):
        return HttpResponse("The webhook's signature or body is not the service's.", status=400)
    checkout = FlexitiCheckout.objects.filter(number=number).first()
    if checkout is None:
        log.warning("A Flexiti webhook %s (%s) names order %r, which this shop does not know",
                    request.headers.get("webhook-id"), kind, number)  # fmt: skip
        return HttpResponse(status=204)
    settle(checkout, data)
    return HttpResponse(status=204)


class RefundForm(forms.Form):
    amount = forms.DecimalField(required=False, min_value=Decimal("0.01"), decimal_places=2)
    reason = forms.CharField(required=False, max_length=500)
    key = forms.UUIDField(widget=forms.HiddenInput)

    @classmethod
    def fresh(cls) -> RefundForm:
        """A new form: its idempotency key makes a double click or a retry one refund."""
        return cls(initial={"key": uuid.uuid4()})


@staff_member_required
@require_POST
def refund(request: HttpRequest, number: str) -> HttpResponse:
    """Refund all (no amount) or part of an order through the service, from its dashboard page."""
    order = get_object_or_404(Order, number=number)
    form = RefundForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The refund was not sent: %s") % form.errors.as_text())
        return redirect("dashboard:order-detail", number=number)
    try:
        answer = FlexitiService.from_settings().refund(
            number, form.cleaned_data["amount"], form.cleaned_data["reason"],
            str(form.cleaned_data["key"]), actor=request.user.get_username(),
        )  # fmt: skip
    except ServiceError as exc:
        messages.error(request, _("Flexiti did not refund: %s") % exc)
        return redirect("dashboard:order-detail", number=number)
    with locked(order.flexiti):
        record_refund(order, answer, answer["order_status"])
    amount = currency(Decimal(answer["amount"]), order.currency)
    if answer["status"] == "succeeded":
        messages.success(request, _("Flexiti refunded %s.") % amount)
    elif answer["status"] == "requested":  # a double click: the first request is still with Flexiti
        messages.info(request, _("Flexiti is refunding %s; this page shows it once done.") % amount)
    else:
        messages.error(request, _("Flexiti did not refund: %s") % (answer.get("error") or ""))
    return redirect("dashboard:order-detail", number=number)
