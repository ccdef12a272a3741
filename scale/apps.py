from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScaleConfig(AppConfig):
    """Province-scale data generator and the benchmark (management commands only, no models)."""

    name = "scale"
    verbose_name = _("性能测试")
