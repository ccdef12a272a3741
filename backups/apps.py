from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    """Backup and restore of the whole database and the private media files (no models of its own: it reads
    every app's models generically, so it sits on the top layer)."""

    name = "backups"
    verbose_name = _("备份与恢复")
