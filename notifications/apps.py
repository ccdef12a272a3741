from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("提醒与通知")

    def ready(self) -> None:
        # The ledger sends a signal when it records an event instead of importing this app (README "Layers").
        from ledger.signals import ledger_event_recorded
        from notifications.services import on_ledger_event_recorded

        ledger_event_recorded.connect(on_ledger_event_recorded, dispatch_uid="notifications.ledger_event_recorded")

        from prometheus_client import REGISTRY

        from notifications.metrics import MessengerCollector

        REGISTRY.register(MessengerCollector())
