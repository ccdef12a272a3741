"""Test settings: the real services when DATABASE_URL / REDIS_URL are set, a fast hasher."""

import os

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
# One media directory per pytest-xdist worker (gw0, gw1, …): parallel tests never see each other's files.
PRIVATE_MEDIA_ROOT = BASE_DIR / ".test_media" / os.environ.get("PYTEST_XDIST_WORKER", "main")  # noqa: F405
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests queue through the code path of production but run the task in-process unless a test
# starts a real worker (those tests switch this off themselves).
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
