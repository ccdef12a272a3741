from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("督查与结果运用")

    def ready(self) -> None:
        from ledger.signals import ledger_event_recorded, ledger_figures_stale
        from reviews import jobs  # noqa: F401  (registers the background job kinds)
        from reviews.figures import on_ledger_event_recorded, on_ledger_figures_stale

        # the stored per-ledger figures are counted again in the transaction of every change (reviews.figures)
        ledger_event_recorded.connect(on_ledger_event_recorded, dispatch_uid="reviews.figures.event")
        ledger_figures_stale.connect(on_ledger_figures_stale, dispatch_uid="reviews.figures.stale")
