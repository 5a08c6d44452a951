from django.apps import AppConfig


class DeliveriesConfig(AppConfig):
    name = "deliveries"
    verbose_name = "Deliveries"

    def ready(self) -> None:
        from django.conf import settings

        from config import background
        from deliveries import queue, retention, transports

        # Email is the first transport; other apps register theirs the same way.
        transports.register("email", "smtplog.email.EmailTransport")
        # Embedded mode: each process sweeps for retries and rows a dead process left.
        background.register_periodic(queue.sweep, settings.DELIVERY_SWEEP_INTERVAL)
        background.register_periodic(retention.purge, 3600.0)
