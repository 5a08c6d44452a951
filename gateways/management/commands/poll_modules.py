"""Run one polling round of the ``module`` gateways' ``ingoing`` (SPEC-channels §13.1).

The embedded sweeper and Celery beat run it every ``CHANNELS_MODULE_POLL_INTERVAL``
seconds; this command is for cron-style deployments and for operators testing a module.
"""

from django.core.management.base import BaseCommand

from gateways.polling import poll_module_gateways


class Command(BaseCommand):
    help = "Poll module gateways with the ingoing feature for inbound messages, once."

    def handle(self, *args, **options) -> None:
        report = poll_module_gateways()
        self.stdout.write(
            f"polled {report.gateways} gateway(s): {report.messages} message(s), "
            f"{report.failures} failure(s)"
        )
