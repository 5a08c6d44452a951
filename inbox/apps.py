from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = "Inbox (in-app notifications)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from deliveries import transports

        transports.register("internal", "inbox.transport.InboxTransport")
