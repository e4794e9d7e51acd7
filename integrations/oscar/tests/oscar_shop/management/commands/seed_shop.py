"""``manage.py seed_shop``: the shop's catalogue, Canada as where it ships, and a staff login."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand
from oscar.core.loading import get_model

from oscar_shop.stack import STAFF_EMAIL, STAFF_PASSWORD

Country = get_model("address", "Country")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
StockRecord = get_model("partner", "StockRecord")

#: (UPC, title, price): the bookshelf costs less than Flexiti finances (the sandbox: $50 and up).
PRODUCTS = [
    ("TABLE-1", "Oak dining table", Decimal("899.00")),
    ("CHAIR-1", "Linen armchair", Decimal("499.00")),
    ("SHELF-1", "Pine wall shelf", Decimal("30.00")),
]


class Command(BaseCommand):
    help = "Fill an empty shop database with products, Canada and a staff user."

    def add_arguments(self, parser):
        parser.add_argument("--domain", default="127.0.0.1:8000")

    def handle(self, *args, domain, **options):
        Site.objects.update_or_create(pk=1, defaults={"domain": domain, "name": "Maple Furniture"})
        Country.objects.update_or_create(iso_3166_1_a2="CA", defaults={
            "iso_3166_1_a3": "CAN", "iso_3166_1_numeric": "124", "printable_name": "Canada",
            "name": "Canada", "is_shipping_country": True,
        })  # fmt: skip
        furniture, _ = ProductClass.objects.get_or_create(
            name="Furniture", defaults={"requires_shipping": True, "track_stock": False}
        )
        partner, _ = Partner.objects.get_or_create(name="Maple Furniture")
        for upc, title, price in PRODUCTS:
            product, _ = Product.objects.get_or_create(
                upc=upc, defaults={"title": title, "product_class": furniture}
            )
            StockRecord.objects.update_or_create(product=product, partner=partner, defaults={
                "partner_sku": upc, "price_currency": "CAD", "price": price,
            })  # fmt: skip
        user_model = get_user_model()
        if not user_model.objects.filter(email=STAFF_EMAIL).exists():
            user_model.objects.create_superuser("staff", STAFF_EMAIL, STAFF_PASSWORD)
        self.stdout.write(f"Products, Canada and the staff user {STAFF_EMAIL} are ready.")
