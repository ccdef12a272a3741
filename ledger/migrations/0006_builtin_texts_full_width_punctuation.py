"""The built-in checklists' texts with Chinese punctuation (，：；) in databases loaded before the fix.

Migration 0002 loaded the Weifang 附件1 with the ", " and ": " the seed's text extraction left. Only the
built-in templates change (`is_builtin`); a user's copy is the user's text and keeps what it has.

A built-in template used by a published campaign is frozen, and this migration changes it anyway, on
purpose: the wording stays the seed's word for word, only the width of four punctuation marks changes,
so no branch's answer changes meaning. Ledgers point at the same rows and simply show the corrected text;
what was recorded in events and problem descriptions stays as it was written.
"""

from django.db import migrations

TEXT_FIELDS = {
    "ChecklistTemplate": ("name", "source", "description"),
    "TemplateCategory": ("title", "target", "requirements"),
    "Manifestation": ("text",),
}
BUILTIN = {"ChecklistTemplate": "is_builtin", "TemplateCategory": "template__is_builtin",
           "Manifestation": "category__template__is_builtin"}


def normalise(apps, schema_editor):
    from ledger.punctuation import full_width_punctuation

    for model_name, fields in TEXT_FIELDS.items():
        model = apps.get_model("ledger", model_name)
        for row in model.objects.filter(**{BUILTIN[model_name]: True}).only("pk", *fields):
            changed = [f for f in fields if full_width_punctuation(getattr(row, f)) != getattr(row, f)]
            for field in changed:
                setattr(row, field, full_width_punctuation(getattr(row, field)))
            if changed:
                row.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_paths_collate_c")]

    # Going back leaves the full-width marks: the half-width ones were a transcription fault.
    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
