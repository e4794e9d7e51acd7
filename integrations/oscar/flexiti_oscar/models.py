"""One row per Flexiti checkout: what Oscar needs to place the order when the service says so."""

from django.conf import settings
from django.db import models


class FlexitiCheckout(models.Model):
    """A checkout started at "place order", kept until it becomes an Oscar order or ends.

    ``session`` is Oscar's checkout session data at that moment (addresses, shipping method,
    guest email), so the order can be placed from the frozen basket without the customer's
    browser: by their return or by the service's webhook, whichever comes first.
    """

    number = models.CharField("order number", max_length=128, unique=True)
    basket = models.ForeignKey("basket.Basket", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    session = models.JSONField(default=dict)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    #: The service's status of the checkout, as last learnt (pending, approved, declined, ...).
    status = models.CharField(max_length=32, default="pending")
    order = models.OneToOneField(
        "order.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="flexiti"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Flexiti checkout"

    def __str__(self) -> str:
        return f"Flexiti checkout {self.number} ({self.status})"
