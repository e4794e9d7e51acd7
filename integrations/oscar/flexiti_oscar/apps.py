from django.apps import AppConfig


class FlexitiOscarConfig(AppConfig):
    name = "flexiti_oscar"
    label = "flexiti_oscar"
    verbose_name = "Flexiti"
    default_auto_field = "django.db.models.BigAutoField"
