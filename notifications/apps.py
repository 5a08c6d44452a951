from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_system_templates(sender, using="default", **kwargs) -> None:
    from notifications.system_templates import sync_system_templates

    sync_system_templates(using=using)


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # ``migrate`` (and test database set-up) loads the shipped catalogue; rows edited
        # through the API are left alone (see system_templates.sync_system_templates).
        post_migrate.connect(_load_system_templates, sender=self)

        from django.conf import settings

        from config import background
        from notifications.broadcasts import resume_unfinished

        background.register_periodic(resume_unfinished, settings.DELIVERY_SWEEP_INTERVAL)
