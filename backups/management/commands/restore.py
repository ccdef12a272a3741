"""python manage.py restore --input DIR [--replace]: verify every checksum, then load into an empty, migrated database
(or, with --replace, over one that holds data)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from backups.backup import restore


class Command(BaseCommand):
    help = "从备份目录恢复到空数据库：先校验全部文件的 SHA-256，任何一个不符即拒绝，不做任何更改。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--input", required=True, help="a directory written by `manage.py backup`")
        parser.add_argument("--replace", action="store_true",
                            help="replace every row of a database that already holds data by the backup's")

    def handle(self, *args, input: str, replace: bool, **options) -> None:
        manifest = restore(Path(input), replace=replace)
        self.stdout.write(f"恢复完成：{input}（备份时间 {manifest['created_at']}，{len(manifest['files'])} 个文件）")
