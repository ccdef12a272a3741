from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BranchesConfig(AppConfig):
    name = "branches"
    verbose_name = _("组织与账号")

    def ready(self) -> None:
        import config.lookups  # noqa: F401  (registers `field__any`, an IN list as one array)
        from branches import jobs  # noqa: F401  (registers the background job kinds)
