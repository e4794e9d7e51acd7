from django.apps import AppConfig


class OscarShopConfig(AppConfig):
    name = "oscar_shop"
    label = "oscar_shop"
