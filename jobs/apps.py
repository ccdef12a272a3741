from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("后台任务")

    def ready(self) -> None:
        from prometheus_client import REGISTRY

        from jobs.metrics import JobsCollector

        REGISTRY.register(JobsCollector())
