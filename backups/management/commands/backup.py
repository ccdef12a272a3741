"""python manage.py backup --output DIR: the database and the private media files, with SHA-256 checksums."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from backups.backup import backup


class Command(BaseCommand):
    help = "备份数据库和证明材料等文件到一个新目录（附 SHA-256 校验清单）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", required=True, help="a new or empty directory")
        parser.add_argument("--json", action="store_true",
                            help="Django JSON even on PostgreSQL (to move the data to another kind of database)")

    def handle(self, *args, output: str, json: bool, **options) -> None:
        manifest = backup(Path(output), portable=json)
        self.stdout.write(f"备份完成：{output}（{len(manifest['files'])} 个文件，清单 manifest.json）")
