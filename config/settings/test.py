"""Test settings: the real services when DATABASE_URL / REDIS_URL are set, a fast hasher."""

import os

from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR, DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
# One media directory per pytest-xdist worker (gw0, gw1, …): parallel tests never see each other's files.
PRIVATE_MEDIA_ROOT = BASE_DIR / ".test_media" / os.environ.get("PYTEST_XDIST_WORKER", "main")
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests queue through the code path of production but run the task in-process unless a test
# starts a real worker (those tests switch this off themselves).
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": {"BACKEND": "config.storage.PrivateFileSystemStorage"},
}
# SQLite: a file, not Django's in-memory default. The live server (browser and concurrency tests) then gets a
# connection per request thread as in production; an in-memory database would be one connection shared by all.
# One file per test run (the process id), so two runs in one checkout do not share it.
if DATABASES["default"]["ENGINE"].endswith("sqlite3") and not DATABASES["default"].get("TEST", {}).get("NAME"):
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}
