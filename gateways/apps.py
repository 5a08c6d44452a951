from django.apps import AppConfig


class GatewaysConfig(AppConfig):
    name = "gateways"
    verbose_name = "Gateways (channels)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from config import background
        from deliveries import transports

        transports.register("gateway", "gateways.transport.GatewayTransport")

        if settings.CHANNELS_MODULE_DIR:
            # Embedded mode: each process polls module gateways (claims stop doubles).
            background.register_periodic(_poll, settings.CHANNELS_MODULE_POLL_INTERVAL)


def _poll() -> None:
    from gateways.polling import poll_module_gateways

    poll_module_gateways()
