from django.apps import AppConfig


class FlexitiOscarConfig(AppConfig):
    """Its model, templates (list it before Oscar: they extend Oscar's), tags and texts."""

    name = "flexiti_oscar"
    label = "flexiti_oscar"
    verbose_name = "Flexiti"
    default_auto_field = "django.db.models.BigAutoField"
