from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = _("专项行动与整改台账")

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        from ledger import jobs  # noqa: F401  (registers the background job kinds)

        # Process-wide: Pillow warns above this many pixels and refuses to open twice as many (evidence
        # thumbnails, seals decoded into reports). Pillow's own default is 89 megapixels.
        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
