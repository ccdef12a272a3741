"""`python manage.py create_signing_ca`: the organization's own CA and the report signing certificate."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.signing import create_signing_ca


class Command(BaseCommand):
    help = "Create a CA and a signing certificate for the signed situation reports (PEM files, private)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--organization", default="党委组织部", help="organization name in the certificates")
        parser.add_argument("--directory", default=None,
                            help="write the PEM files into this directory of this machine instead of the private "
                                 "storage (for REPORT_SIGNING_KEY / REPORT_SIGNING_CERT, or to keep a copy)")
        parser.add_argument("--days", type=int, default=3650)
        parser.add_argument("--overwrite", action="store_true", help="replace existing files (old PDFs stay valid only if the old CA stays trusted)")

    def handle(self, *args, **options) -> None:
        directory = Path(options["directory"]).resolve() if options["directory"] else None
        try:
            written = create_signing_ca(
                directory=directory, organization=options["organization"], days=options["days"],
                overwrite=options["overwrite"],
            )
        except FileExistsError as exc:
            raise CommandError(f"{exc}; use --overwrite to replace them") from exc
        where = "" if directory else "private storage: "
        for name in written:
            self.stdout.write(f"{where}{name}")
        self.stdout.write("Give ca.crt to whoever verifies reports (pdfsig: certutil -A -t 'CT,C,C').")
