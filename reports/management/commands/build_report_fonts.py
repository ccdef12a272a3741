"""`python manage.py build_report_fonts [--force]`: cut the report's Chinese fonts out of Noto (see reports/fonts.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from reports.fonts import build_report_fonts, font_path


class Command(BaseCommand):
    help = "Write the report's GB 2312 cut of Noto Serif CJK SC (skipped when up to date; --force rebuilds)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="rebuild even when the fonts are up to date")

    def handle(self, *args, force: bool = False, **options) -> None:
        written = build_report_fonts(force=force)
        for path in written:
            self.stdout.write(f"wrote {path} ({path.stat().st_size // 1024} KB)")
        if not written:
            state = "up to date" if font_path("Regular").exists() else "not built: Noto Serif CJK is not installed"
            self.stdout.write(f"report fonts {state}")
