"""Production: secrets and hosts must come from the environment; HTTPS everywhere."""

from django.core.exceptions import ImproperlyConfigured

from config.secret_key import KNOWN_PUBLIC_KEYS
from config.settings.base import *  # noqa: F403
from config.settings.base import LOGGING, STORAGES, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
if SECRET_KEY in KNOWN_PUBLIC_KEYS or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be this deployment's own random key of 50 or more characters "
                               "(python -c 'import secrets; print(secrets.token_urlsafe(64))').")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
STORAGES = {
    **STORAGES,  # the private storage as base.py configures it
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
LOGGING["root"]["level"] = env("LOG_LEVEL", default="INFO")
# Two-factor sign-in is required of organization-department and general-branch staff unless switched off.
REQUIRE_2FA_FOR_STAFF = env.bool("DJANGO_REQUIRE_2FA_FOR_STAFF", default=True)
SESSION_COOKIE_NAME = "__Host-sessionid"  # only ever sent over HTTPS to this exact host
# The proxy redirects to HTTPS itself when DJANGO_SECURE_SSL_REDIRECT=False: check --deploy need not warn.
if not SECURE_SSL_REDIRECT:
    SILENCED_SYSTEM_CHECKS = ["security.W008"]
