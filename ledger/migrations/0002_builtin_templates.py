"""Load the five built-in checklist templates (ledger/builtin_templates.py). Idempotent."""

from django.db import migrations


def load(apps, schema_editor):
    from ledger.builtin_templates import load_builtin_templates

    load_builtin_templates(
        apps.get_model("ledger", "ChecklistTemplate"),
        apps.get_model("ledger", "TemplateCategory"),
        apps.get_model("ledger", "Manifestation"),
    )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
