from django.apps import AppConfig


class SmtpLogConfig(AppConfig):
    name = "smtplog"
    verbose_name = "SMTP log"

    def ready(self) -> None:
        from django.conf import settings

        from config import background
        from smtplog import checks, queue  # noqa: F401 - registers the system checks

        # Embedded mode: each process sweeps for retries and rows a dead process left.
        background.register_periodic(queue.sweep, settings.DELIVERY_SWEEP_INTERVAL)
