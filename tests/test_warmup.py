"""The first pages a server answers — 我的工作 right after logging in, then the dashboard — do no more work than
any later request: the server's entry point (config/wsgi.py) has imported the views, compiled the templates and
built the URL tables before the first person arrives (config/warmup.py)."""

from __future__ import annotations

import importlib
from unittest import mock

import pytest
from django.template import engines
from django.template.base import Template
from django.urls import URLResolver, clear_url_caches, reverse

from tests.factories import make_campaign


def _as_after_a_fresh_start() -> None:
    """Forget what earlier tests' requests left in this process: the compiled templates and the URLconf."""
    for backend in engines.all():
        for loader in backend.engine.template_loaders:
            if hasattr(loader, "reset"):
                loader.reset()
    clear_url_caches()


def _first_request_work(client, url: str) -> list[str]:
    """What answering `url` had to compile or build that a started server should already hold."""
    work = []
    compile_nodelist, populate = Template.compile_nodelist, URLResolver._populate

    def compiling(template):
        work.append(f"compiled template {template.name}")
        return compile_nodelist(template)

    def populating(resolver):
        work.append(f"built the URL table of {resolver.urlconf_name}")
        return populate(resolver)

    with mock.patch.object(Template, "compile_nodelist", compiling), \
            mock.patch.object(URLResolver, "_populate", populating):
        response = client.get(url)
    assert response.status_code == 200
    return work


@pytest.mark.parametrize("who", ["secretary", "org"])
def test_the_first_pages_after_the_server_starts_compile_nothing(client, tree, users, who):
    campaign = make_campaign(tree.root, actor=users["org"])
    pages = [reverse("home"), reverse("reviews:dashboard", args=[campaign.pk])]
    client.force_login(users[who])
    _as_after_a_fresh_start()
    import config.wsgi

    importlib.reload(config.wsgi)  # what runserver and a WSGI server load before they accept requests
    for url in pages:
        assert _first_request_work(client, url) == [], url
