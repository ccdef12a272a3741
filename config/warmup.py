"""Work every first request would otherwise do, done once while the server starts (config/wsgi.py).

Django imports the URLconf (and with it every view, the report signer's cryptography, openpyxl …) and compiles
each template on the first request that needs it. On the embedded default with a busy machine that made the
first pages people open — 我的工作 right after logging in, then the dashboard — take about a second where the
same pages take a tenth of that afterwards. Each server process now pays that once before it accepts requests.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template import engines
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse
from django.utils import translation


def warm_up() -> None:
    load_urlconf()
    compile_project_templates()
    load_translations()


def load_urlconf() -> None:
    """Import every view module now (Django would in the first request's LocaleMiddleware) and build the
    tables `{% url %}` looks names up in, which Django builds per resolver and per language on first use."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            get_resolver().reverse_dict  # noqa: B018 - the property builds and caches the table
            for namespace in _namespaces(get_resolver()):
                try:
                    # A name no view has: reverse() builds the namespace's table, then finds nothing.
                    reverse(f"{namespace}:warm-up")
                except NoReverseMatch:
                    pass


def _namespaces(resolver: URLResolver, prefix: str = "") -> list[str]:
    found = []
    for namespace, (_path, child) in resolver.namespace_dict.items():
        found.append(prefix + namespace)
        found += _namespaces(child, f"{prefix}{namespace}:")
    return found


def compile_project_templates() -> None:
    """Put the project's own templates (TEMPLATES' DIRS: templates/) into the cached template loader."""
    for backend in engines.all():
        for directory in map(Path, backend.dirs):
            for path in sorted(directory.rglob("*.html")):
                backend.get_template(path.relative_to(directory).as_posix())


def load_translations() -> None:
    """Read every language's message catalogue once (gettext parses the .mo files on first use)."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("整改台账")
