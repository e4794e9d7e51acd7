"""The test shop's URLs: Oscar's, the Flexiti integration's, and a home page of products."""

from django.apps import apps
from django.contrib.staticfiles.views import serve
from django.shortcuts import render
from django.urls import include, path, re_path
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")


def home(request):
    """Every product (Oscar's catalogue page needs a search engine; this shop has none)."""
    products = Product.objects.browsable().order_by("title")
    return render(request, "oscar_shop/home.html", {"products": products})


urlpatterns = [
    path("", home, name="shop-home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("flexiti/", include("flexiti_oscar.urls")),
    # Oscar's own stylesheets and scripts, served by Django: a test and demo shop has no web server.
    re_path(r"^static/(?P<path>.*)$", serve, {"insecure": True}),
    path("", include(apps.get_app_config("oscar").urls[0])),
]
