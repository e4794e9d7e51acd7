"""A minimal Oscar shop that takes Flexiti through the checkout service (tests and demo).

Read from the environment: ``OSCAR_SHOP_DB`` (the SQLite file), ``FLEXITI_SERVICE_URL``,
``FLEXITI_API_KEY`` and ``FLEXITI_WEBHOOK_SECRET`` (the service's, see flexiti_oscar).
"""

import os
from pathlib import Path

from oscar.defaults import *  # noqa: F403  (Oscar's documented way to start a settings module)

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = os.environ.get("OSCAR_SHOP_SECRET_KEY", "oscar-shop-for-tests-and-demo-only")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "oscar_shop.urls"
WSGI_APPLICATION = "oscar_shop.wsgi.application"
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    # Before Oscar: its checkout and dashboard templates extend Oscar's own.
    "flexiti_oscar.apps.FlexitiOscarConfig",
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "flexiti_oscar.checkout.apps.CheckoutConfig",  # Oscar's checkout, paying with Flexiti
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "oscar.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "django_tables2",
    "oscar_shop.apps.OscarShopConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ],
        },
    },
]

DB = os.environ.get("OSCAR_SHOP_DB", "instance/oscar-demo/shop.sqlite3")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DB,
        # The customer's return and the service's webhook may place an order at the same moment:
        # each takes the write lock when its transaction begins, and waits for the other.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL",
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
AUTHENTICATION_BACKENDS = [
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"  # no index to keep
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "America/Toronto"
STATIC_URL = "/static/"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(DB).parent / "media"

OSCAR_SHOP_NAME = "Maple Furniture"
OSCAR_DEFAULT_CURRENCY = "CAD"
OSCAR_ALLOW_ANON_CHECKOUT = True
OSCAR_REQUIRED_ADDRESS_FIELDS = (*OSCAR_REQUIRED_ADDRESS_FIELDS, "state")  # noqa: F405  a province
OSCAR_THUMBNAILER = "oscar_shop.thumbnails.NoThumbnails"
OSCAR_INITIAL_ORDER_STATUS = "Pending"
OSCAR_INITIAL_LINE_STATUS = "Pending"
OSCAR_ORDER_STATUS_PIPELINE = {
    "Pending": ("Being processed", "Cancelled", "Partially refunded", "Refunded"),
    "Being processed": ("Complete", "Cancelled", "Partially refunded", "Refunded"),
    "Complete": ("Partially refunded", "Refunded"),
    "Partially refunded": ("Refunded",),
    "Awaiting Flexiti review": ("Pending", "Cancelled"),
    "Refunded": (),
    "Cancelled": (),
}

FLEXITI_SERVICE_URL = os.environ.get("FLEXITI_SERVICE_URL", "http://127.0.0.1:8100/flexiti")
FLEXITI_API_KEY = os.environ.get("FLEXITI_API_KEY", "flexiti-sandbox-api-key")
FLEXITI_WEBHOOK_SECRET = os.environ.get("FLEXITI_WEBHOOK_SECRET", "")


class _NoMigrations(dict):
    """Every app's tables made straight from its models (``migrate --run-syncdb``): a fresh test
    database in a second instead of replaying Oscar's migrations, none of which has data for an
    empty database."""

    def __contains__(self, label):
        return True

    def __getitem__(self, label):
        return None


if os.environ.get("OSCAR_SHOP_SKIP_MIGRATIONS"):
    MIGRATION_MODULES = _NoMigrations()
