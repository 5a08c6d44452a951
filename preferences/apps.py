from django.apps import AppConfig


class PreferencesConfig(AppConfig):
    name = "preferences"
    verbose_name = "Preferences (subscriptions and suppressions)"
    default_auto_field = "django.db.models.BigAutoField"
