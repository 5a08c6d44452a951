from django.apps import AppConfig


class FreesideConfig(AppConfig):
    name = "freeside"
    verbose_name = "Freeside external messaging (server)"
    default_auto_field = "django.db.models.BigAutoField"
