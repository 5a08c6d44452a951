from django.apps import AppConfig


class GatewaysConfig(AppConfig):
    name = "gateways"
    verbose_name = "Gateways (channels)"
    default_auto_field = "django.db.models.BigAutoField"
