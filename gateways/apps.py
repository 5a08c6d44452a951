from django.apps import AppConfig


class GatewaysConfig(AppConfig):
    name = "gateways"
    verbose_name = "Gateways (channels)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from config import background
        from deliveries import transports
        from deliveries.receipts import provider_id_recorded
        from gateways.followups import on_provider_id_recorded

        # Rows carrying a gateway_id go through their gateway's kind.
        transports.register("gateway", "gateways.transport.GatewayTransport")
        provider_id_recorded.connect(on_provider_id_recorded, dispatch_uid="fake-followups")
        if settings.CHANNELS_MODULE_DIR:
            # Embedded mode: each process polls module gateways (claims stop doubles).
            background.register_periodic(_poll, settings.CHANNELS_MODULE_POLL_INTERVAL)


def _poll() -> None:
    from gateways.polling import poll_module_gateways

    poll_module_gateways()
