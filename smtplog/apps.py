from django.apps import AppConfig


class SmtpLogConfig(AppConfig):
    name = "smtplog"
    verbose_name = "SMTP log"

    def ready(self) -> None:
        from smtplog import checks  # noqa: F401 - registers the system checks
