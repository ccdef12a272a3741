from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("情况报告")

    def ready(self) -> None:
        from reports import jobs  # noqa: F401  (registers the "situation_report" job kind)
