import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()

# The first request would otherwise import every view and compile the templates (config/warmup.py).
from config.warmup import warm_up  # noqa: E402 - needs the settings get_wsgi_application loaded

warm_up()
