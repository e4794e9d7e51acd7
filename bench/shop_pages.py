"""A Flask shop with the extension: a product page and a category page, with badges or without.

``gunicorn shop_pages:app`` with the environment of ``sandbox_service.service_env``. Each page is
the same template either way: ``?badges=0`` leaves out the ``flexiti_badge`` calls only, so the
two differ by exactly what the badges cost. The product page shows the product and three related
ones (4 badges); the category page 48 products.
"""

from __future__ import annotations

import os
from decimal import Decimal

from flask import Flask, render_template, request
from jinja2 import ChoiceLoader, DictLoader

from flexiti_checkout import FlexitiCheckout

#: 48 products, each with a price of its own.
PRODUCTS = [
    {
        "sku": f"SKU-{n:03d}",
        "name": f"Product {n}",
        "price": Decimal(150 + 37 * n) + Decimal("0.99"),
    }
    for n in range(48)
]

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>{{ flexiti_assets() }}</head>
<body><header><a href="/">Shop</a> <a href="/cart">Cart</a></header><main><h1>{{ title }}</h1>
<ul class="products">
{% for product in products %}
  <li class="product" id="{{ product.sku }}">
    <a href="/products/{{ product.sku }}"><img src="/static/{{ product.sku }}.jpg" alt=""
       width="200" height="200"> {{ product.name }}</a>
    <p class="price">${{ product.price }}</p>
    {% if badges %}{{ flexiti_badge(product.price) }}{% endif %}
    <form method="post" action="/cart"><input type="hidden" name="sku" value="{{ product.sku }}">
      <button type="submit">Add to cart</button></form>
  </li>
{% endfor %}
</ul></main></body></html>
"""

app = Flask("bench_shop", instance_path=os.environ.get("FLEXITI_INSTANCE_PATH"))
app.config.update(
    {key: value for key, value in os.environ.items() if key.startswith("FLEXITI_")},
    SECRET_KEY=os.environ.get("FLEXITI_SIGNING_KEY", "bench-shop-secret-key-0123456789"),
)
app.config.pop("FLEXITI_INSTANCE_PATH", None)
FlexitiCheckout(app)
# As a shop's templates folder would: loaded and compiled once.
app.jinja_loader = ChoiceLoader([DictLoader({"bench/page.html": PAGE}), app.jinja_loader])  # type: ignore[list-item]


@app.get("/product")
def product() -> str:
    """A product page: the product and three related ones."""
    return _page("Product 0", PRODUCTS[:4])


@app.get("/category")
def category() -> str:
    """A category page of 48 products."""
    return _page("All products", PRODUCTS)


def _page(title: str, products: list[dict[str, object]]) -> str:
    badges = request.args.get("badges") != "0"
    return render_template("bench/page.html", title=title, products=products, badges=badges)
