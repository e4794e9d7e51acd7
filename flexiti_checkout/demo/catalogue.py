"""The demo shop's catalogue: a dozen products priced on both sides of the plan limits.

The sandbox finances $50 to $20,000, so the socks and the sauna never show a badge, and the
laptop's variants cross the 24-month plan's $1,000 minimum and the 36-month plan's $2,500.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Variant:
    """One buyable version of a product, with its own price."""

    sku: str
    name: dict[str, str]
    price: Decimal


@dataclass(frozen=True)
class Product:
    """A product page: names in both languages and one or more variants."""

    slug: str
    name: dict[str, str]
    variants: tuple[Variant, ...]

    @property
    def price(self) -> Decimal:
        """The lowest price, shown on the category page."""
        return min(variant.price for variant in self.variants)


def _single(slug: str, en: str, fr: str, price: str) -> Product:
    names = {"en": en, "fr": fr}
    return Product(slug, names, (Variant(slug, names, Decimal(price)),))


PRODUCTS: tuple[Product, ...] = (
    _single("wool-socks", "Merino wool socks", "Chaussettes en laine mérinos", "19.99"),
    _single("phone-case", "Phone case", "Étui de téléphone", "29.00"),
    _single("coffee-grinder", "Burr coffee grinder", "Moulin à café à meules", "89.00"),
    _single("cast-iron-pan", "Cast-iron pan", "Poêle en fonte", "149.00"),
    _single("desk-lamp", "Desk lamp", "Lampe de bureau", "219.00"),
    _single("espresso-machine", "Espresso machine", "Machine à espresso", "499.00"),
    _single("standing-desk", "Standing desk", "Bureau debout", "749.00"),
    Product(
        "laptop",
        {"en": "Laptop", "fr": "Ordinateur portable"},
        (
            Variant("laptop-13", {"en": '13" laptop', "fr": "Portable 13 po"}, Decimal("899.00")),
            Variant("laptop-15", {"en": '15" laptop', "fr": "Portable 15 po"}, Decimal("1599.00")),
            Variant("laptop-16", {"en": '16" laptop', "fr": "Portable 16 po"}, Decimal("2699.00")),
        ),
    ),
    _single("road-bike", "Road bike", "Vélo de route", "1299.00"),
    _single("sofa", "Three-seat sofa", "Canapé trois places", "2899.00"),
    _single("hot-tub", "Hot tub", "Spa extérieur", "8999.00"),
    _single("sauna", "Backyard sauna", "Sauna de jardin", "24999.00"),
)

_BY_SLUG = {product.slug: product for product in PRODUCTS}
_BY_SKU = {variant.sku: (product, variant) for product in PRODUCTS for variant in product.variants}


def product(slug: str) -> Product | None:
    """The product with this slug, or None."""
    return _BY_SLUG.get(slug)


def variant(sku: str) -> tuple[Product, Variant] | None:
    """The product and variant with this SKU, or None."""
    return _BY_SKU.get(sku)
