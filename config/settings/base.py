"""Settings shared by every environment, read from the environment.

With nothing set the app runs embedded: SQLite beside the code and Celery tasks executed eagerly
in-process. DATABASE_URL switches to PostgreSQL, REDIS_URL to a real broker.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.secret_key import local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
env.read_env(BASE_DIR / ".env") if (BASE_DIR / ".env").exists() else None


def absolute_path(variable: str, default: str = "") -> str:
    """A path from the environment that must not depend on the directory a process was started in: web
    processes, workers and cron jobs start in different ones, and must all find the same file."""
    value = env(variable, default=default)
    if value and not Path(value).is_absolute():
        raise ImproperlyConfigured(f"{variable} must be an absolute path, not {value!r}.")
    return value


# Off unless asked for (`make run` asks): a deployment that forgets its settings never shows technical pages.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Without DJANGO_SECRET_KEY, a random key of this installation kept in var/ (config/secret_key.py). An empty
# DJANGO_SECRET_KEY_FILE makes none (the deployment kit's environment file: nodes share one key from the
# environment, and the code's directory is read-only to them).
SECRET_KEY_FILE = absolute_path("DJANGO_SECRET_KEY_FILE", default=str(BASE_DIR / "var" / "secret_key"))
SECRET_KEY = env("DJANGO_SECRET_KEY", default="") or (local_secret_key(Path(SECRET_KEY_FILE)) if SECRET_KEY_FILE else "")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "csp",
    "accounts",
    "branches",
    "ledger",
    "reviews",
    "jobs",
    "reports",
    "notifications",
    "scale",
    "backups",
    "health_check",
]

MIDDLEWARE = [
    # Request counts and times for /metrics (django-prometheus; its database and cache wrappers are not used).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "accounts.middleware.PasswordChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.SecurityHeadersMiddleware",
    "accounts.middleware.RefusedAccessLogMiddleware",
    # Last, so it turns a lockout flagged during the login view into the lockout page.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "branches.context_processors.scope",
                "ledger.context_processors.menu",
                "notifications.context_processors.bell",
            ],
            # Form fields drawn without crispy's per-field templates (config/form_fields.py, issue 15).
            "libraries": {"form_fields": "config.form_fields"},
        },
    },
]
# Django's widget templates, the stock ones written in Python (config/form_fields.py, issue 15).
FORM_RENDERER = "config.form_fields.WidgetRenderer"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# Parallel test runs on one server need distinct test databases.
if env("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # No JIT compilation: the pages' grouped counts over a county or a province cross its cost threshold, and
    # compiling took seconds where running took tens of milliseconds (measured at 30k units: 5.2 s of a 5.8 s
    # dashboard statement). Every statement here is short-lived OLTP or a streamed batch; none gains from JIT.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    if DATABASES["default"]["NAME"] not in ("", ":memory:") and not Path(DATABASES["default"]["NAME"]).is_absolute():
        # A relative file would be another database for every process started in another directory.
        raise ImproperlyConfigured("DATABASE_URL must name the SQLite file by an absolute path (sqlite:////srv/…).")
    # Writers must wait for each other, not fail with "database is locked" (the self-check saves each field as
    # it is typed, so two saves often meet). A deferred transaction reads first and then cannot wait for the
    # write lock, whatever the timeout: IMMEDIATE takes the lock at BEGIN, where the timeout applies. WAL lets
    # readers go on while one writer writes; synchronous=NORMAL is safe with WAL (a power cut may lose the last
    # commits, never corrupt the file).
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # ASVS 2.1.1: at least 12 characters (no composition rules; common passwords are refused below).
    {"NAME": "branches.passwords.MinimumLengthValidator",
     "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=12)}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(absolute_path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Every file a request or a job reads or writes (evidence, signed reports, job results, imports, stamps, the
# signing CA) is in the private storage, STORAGES["private"] (config/storage.py): never served directly, only
# through views that check scope. By default a directory at PRIVATE_MEDIA_ROOT, which several web and worker
# nodes must share (one volume, mounted at the same path); or any Django storage class (S3, …):
# PRIVATE_STORAGE_BACKEND=storages.backends.s3.S3Storage PRIVATE_STORAGE_OPTIONS='{"bucket_name": "…"}'.
PRIVATE_MEDIA_ROOT = Path(absolute_path("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media")))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
PRIVATE_STORAGE_BACKEND = env("PRIVATE_STORAGE_BACKEND", default="config.storage.PrivateFileSystemStorage")
PRIVATE_STORAGE_OPTIONS = env.json("PRIVATE_STORAGE_OPTIONS", default={})
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": {"BACKEND": PRIVATE_STORAGE_BACKEND, "OPTIONS": PRIVATE_STORAGE_OPTIONS},
}
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The signed situation report (附件3): the app's own CA and signing certificate are kept in the private storage
# under this folder (`manage.py create_signing_ca`) unless the organization's existing certificate is configured
# (a PKCS#12 file, or PEM key + certificate): those are files the deployment puts at the same absolute path on
# every node that signs or verifies (web and worker), as it does with its other secrets.
REPORT_SIGNING_FOLDER = env("REPORT_SIGNING_FOLDER", default="signing")
if env("REPORT_SIGNING_DIR", default=""):  # earlier versions' directory: the key would silently be missing
    raise ImproperlyConfigured("REPORT_SIGNING_DIR is no longer read: put its files in the private storage's "
                               "REPORT_SIGNING_FOLDER (by default PRIVATE_MEDIA_ROOT/signing/), or point "
                               "REPORT_SIGNING_KEY, REPORT_SIGNING_CERT and REPORT_SIGNING_CA_CERTS at them.")
REPORT_SIGNING_PKCS12 = absolute_path("REPORT_SIGNING_PKCS12")
REPORT_SIGNING_PKCS12_PASSPHRASE = env("REPORT_SIGNING_PKCS12_PASSPHRASE", default="")
REPORT_SIGNING_KEY = absolute_path("REPORT_SIGNING_KEY")
REPORT_SIGNING_CERT = absolute_path("REPORT_SIGNING_CERT")
REPORT_SIGNING_KEY_PASSPHRASE = env("REPORT_SIGNING_KEY_PASSPHRASE", default="")
REPORT_SIGNING_CA_CERTS = env.list("REPORT_SIGNING_CA_CERTS", default=[])
for _ca_cert in REPORT_SIGNING_CA_CERTS:
    if not Path(_ca_cert).is_absolute():
        raise ImproperlyConfigured(f"REPORT_SIGNING_CA_CERTS must list absolute paths, not {_ca_cert!r}.")
# Days a job's result file (an export, an import's result with initial passwords) is kept after it finished.
JOB_RESULT_DAYS = env.int("JOB_RESULT_DAYS", default=7)
# Minutes a claimed job may run before it is taken for one whose worker died, and marked failed.
JOB_STALE_MINUTES = env.int("JOB_STALE_MINUTES", default=60)
# The largest 附件2 export started at once (rows): larger selections are refused with a message to export
# unit by unit (a province's whole campaign would be a million rows in 23,000 sheets).
EXPORT_MAX_ROWS = env.int("EXPORT_MAX_ROWS", default=200_000)
# The whole campaign as one ZIP of per-unit workbooks has no limit; by default it is split at the highest level
# whose units have at most this many rows each (a file a person opens in seconds).
EXPORT_ZIP_UNIT_ROWS = env.int("EXPORT_ZIP_UNIT_ROWS", default=20_000)
# A carry-over (结转) of more measures than this runs as a background job with progress instead of in the request.
CARRY_OVER_JOB_ITEMS = env.int("CARRY_OVER_JOB_ITEMS", default=2_000)
# The report's cut-down Chinese fonts (reports/fonts.py), built by `make install` / `manage.py build_report_fonts`
# on every node from its own Noto package, like the static files: part of the installation, not data. WeasyPrint
# reads a font from a file, so this is a directory of the node (absolute: the same for every process on it).
REPORT_FONT_DIR = Path(absolute_path("REPORT_FONT_DIR", default=str(BASE_DIR / "var" / "fonts")))
REPORT_VERIFY_MAX_BYTES = env.int("REPORT_VERIFY_MAX_BYTES", default=10 * 1024 * 1024)
REPORT_IMAGE_MAX_BYTES = env.int("REPORT_IMAGE_MAX_BYTES", default=2 * 1024 * 1024)
# A signature or seal is drawn into the PDF, which decodes it whole: 4 megapixels is a sharp 2000×2000 seal.
REPORT_IMAGE_MAX_PIXELS = env.int("REPORT_IMAGE_MAX_PIXELS", default=4_000_000)
# Pixels an uploaded photo may have for the server to decode it (a thumbnail); a larger one is kept as evidence
# without a thumbnail (a JPEG is first scaled down while decoding). Pillow refuses to open twice this many.
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)
# What reading an uploaded .xlsx may cost before and while it is parsed (a few hundred KB of zip can hold
# gigabytes of XML): its parts' total size once unzipped, the shared-strings part, a part's compression ratio
# (parts above 1 MB), one cell's text, and the seconds spent reading rows.
IMPORT_XLSX_MAX_UNZIPPED_BYTES = env.int("IMPORT_XLSX_MAX_UNZIPPED_BYTES", default=50 * 1024 * 1024)
IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES = env.int("IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES", default=20 * 1024 * 1024)
IMPORT_XLSX_MAX_COMPRESSION_RATIO = env.int("IMPORT_XLSX_MAX_COMPRESSION_RATIO", default=100)
IMPORT_XLSX_MAX_CELL_CHARS = env.int("IMPORT_XLSX_MAX_CELL_CHARS", default=5000)
IMPORT_XLSX_MAX_SECONDS = env.int("IMPORT_XLSX_MAX_SECONDS", default=30)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: eager in-process unless a broker is configured.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A stalled broker must not hang a web request (FACTS.md: ~15 s otherwise).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    "max_retries": 1,
}
# Publishing gives up at once instead of retrying: the job outbox retries later (jobs/services.py).
CELERY_TASK_PUBLISH_RETRY = False
# Subtree tallies (reviews/tallies.py): a dashboard or home page over more than TALLY_MIN_LEDGERS ledgers
# (a county, a city, the province) reads figures counted every TALLY_REFRESH_MINUTES, and says when; a tally
# older than TALLY_MAX_AGE_MINUTES or from another day is not trusted and the page counts live instead.
TALLY_REFRESH_MINUTES = env.int("TALLY_REFRESH_MINUTES", default=10)
TALLY_MAX_AGE_MINUTES = env.int("TALLY_MAX_AGE_MINUTES", default=30)
TALLY_MIN_LEDGERS = env.int("TALLY_MIN_LEDGERS", default=3000)
# Common problems (共性问题, ledger/selectors/common.py): a manifestation (or, without one, a category) found by at
# least COMMON_PROBLEM_MIN_UNITS units below a supervising unit, or by COMMON_PROBLEM_MIN_PERCENT per cent of its
# ledgers below it when that is set (0: the number alone), is a common problem of that unit.
COMMON_PROBLEM_MIN_UNITS = env.int("COMMON_PROBLEM_MIN_UNITS", default=3)
COMMON_PROBLEM_MIN_PERCENT = env.int("COMMON_PROBLEM_MIN_PERCENT", default=0)
# The beat schedule, in code (documented in docs/operations.md).
# crontab() follows CELERY_TIMEZONE, so 08:00 is Beijing time whatever the server's clock.
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {"task": "notifications.send_reminders", "schedule": crontab(hour=8, minute=0)},
    "dispatch-job-outbox": {"task": "jobs.dispatch_outbox", "schedule": crontab(minute="*")},
    "expire-job-results": {"task": "jobs.expire_results", "schedule": crontab(hour=3, minute=0)},
    "refresh-tallies": {"task": "reviews.refresh_tallies", "schedule": crontab(minute=f"*/{TALLY_REFRESH_MINUTES}")},
    "send-messengers": {"task": "notifications.send_messengers", "schedule": crontab(minute="*")},
    "heartbeat": {"task": "jobs.heartbeat", "schedule": crontab(minute="*")},
}

# Monitoring (config/monitoring.py): /health/ and /metrics answer only these addresses (single addresses or
# networks) or a request with "Authorization: Bearer <MONITORING_TOKEN>"; everyone else gets a 404.
MONITORING_ALLOWED_IPS = env.list("MONITORING_ALLOWED_IPS", default=["127.0.0.1", "::1"])
MONITORING_TOKEN = env("MONITORING_TOKEN", default="")
# /health/ fails when the worker's or beat's heartbeat (every minute) is older than this, or when less than
# this much space is free for the private files.
MONITORING_HEARTBEAT_MAX_MINUTES = env.int("MONITORING_HEARTBEAT_MAX_MINUTES", default=5)
MONITORING_MIN_FREE_MB = env.int("MONITORING_MIN_FREE_MB", default=1024)

# Group robots (企业微信, 钉钉; notifications/messengers.py): how long one post may take, the pause before the
# first retry (doubled after each failure), and the attempts before a message is marked failed.
MESSENGER_TIMEOUT_SECONDS = env.int("MESSENGER_TIMEOUT_SECONDS", default=5)
MESSENGER_RETRY_SECONDS = env.int("MESSENGER_RETRY_SECONDS", default=60)
MESSENGER_MAX_ATTEMPTS = env.int("MESSENGER_MAX_ATTEMPTS", default=5)

# Reminders (notifications/reminders.py): days before an item's or a phase's deadline, days overdue
# before the general branch is told too, months before a committee's term ends.
REMINDER_DUE_DAYS = tuple(env.list("REMINDER_DUE_DAYS", cast=int, default=[7, 3, 1]))
REMINDER_ESCALATE_AFTER_DAYS = env.int("REMINDER_ESCALATE_AFTER_DAYS", default=7)
REMINDER_TERM_MONTHS = tuple(env.list("REMINDER_TERM_MONTHS", cast=int, default=[6, 3, 1]))
# Days before a phase ends that the fillers of ledgers with open measures in that phase are reminded (once).
REMINDER_PHASE_WORK_DAYS = env.int("REMINDER_PHASE_WORK_DAYS", default=3)
# "module.function(campaign_ids=[...]) -> iterable of (campaign_id, unit_id)" of signed situation
# reports; when the reports app is not installed the report-deadline reminder is skipped.
REMINDER_REPORT_SIGNED_PROVIDER = env(
    "REMINDER_REPORT_SIGNED_PROVIDER", default="notifications.reminders.situation_reports_signed"
)

# "module.function(ledger_ids=[...], campaign=...) -> {ledger id: result with .in_place}": the results rule
# (整改到位) of the reviews app, which the ledger's pages (a handed-down problem's progress) reach without importing
# the layer above; empty, or not importable, leaves the column unknown.
LEDGER_IN_PLACE_PROVIDER = env("LEDGER_IN_PLACE_PROVIDER", default="reviews.selectors.results.ledger_results")

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="zhenggai@localhost")
EMAIL_URL = env("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# --- Security (docs/security.md) ---------------------------------------------------------------------
# Login throttling (django-axes): lock a user name + address pair after N failures for a cool-off period,
# and an address after more failures over any names.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ThrottledLoginBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Asked when the local password did not fit; does nothing while LDAP_SERVER_URI is empty.
    "accounts.directory.DirectoryBackend",
    "accounts.cas.CASAccountBackend",  # checks nothing unless CAS_SERVER_URL is set
]
# Sign-in through the institution's directory (LDAP, accounts/directory.py; docs/operations.md). Off while
# LDAP_SERVER_URI is empty. The directory checks the password and finds the person; the account, its unit and
# its roles stay the product's own, and a person without an account is refused.
LDAP_SERVER_URI = env("LDAP_SERVER_URI", default="")
LDAP_BIND_DN = env("LDAP_BIND_DN", default="")
LDAP_BIND_PASSWORD = env("LDAP_BIND_PASSWORD", default="")
LDAP_USER_SEARCH_BASE = env("LDAP_USER_SEARCH_BASE", default="")
LDAP_USER_FILTER = env("LDAP_USER_FILTER", default="(uid=%(user)s)")  # %(user)s: what was typed as the login
LDAP_MATCH_BY = env("LDAP_MATCH_BY", default="username")  # username | employee_number
if LDAP_MATCH_BY not in ("username", "employee_number"):
    raise ImproperlyConfigured(f"LDAP_MATCH_BY must be username or employee_number, not {LDAP_MATCH_BY!r}")
LDAP_USERNAME_ATTRIBUTE = env("LDAP_USERNAME_ATTRIBUTE", default="uid")
LDAP_EMPLOYEE_NUMBER_ATTRIBUTE = env("LDAP_EMPLOYEE_NUMBER_ATTRIBUTE", default="employeeNumber")
LDAP_START_TLS = env.bool("LDAP_START_TLS", default=False)
LDAP_TLS_CA_FILE = env("LDAP_TLS_CA_FILE", default="")
LDAP_TLS_REQUIRE_CERT = env.bool("LDAP_TLS_REQUIRE_CERT", default=True)
LDAP_TIMEOUT_SECONDS = env.int("LDAP_TIMEOUT_SECONDS", default=5)
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
# Besides, failures from one address over any user names (password spraying): accounts/throttling.py.
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
AXES_HANDLER = "accounts.throttling.AccountAndAddressHandler"
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.security_log.client_ip"
AXES_VERBOSE = False
# The address behind a reverse proxy: X-Forwarded-For is believed only when this says a proxy sets it.
TRUSTED_PROXY = env.bool("DJANGO_TRUSTED_PROXY", default=False)
# Sessions: a new key at every login (Django), ended after idle or absolute time (accounts.middleware).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_HOURS", default=12) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Two-factor sign-in (TOTP): anyone may enrol; organization-department and general-branch staff must
# when the deployment turns this on (production does by default).
REQUIRE_2FA_FOR_STAFF = env.bool("DJANGO_REQUIRE_2FA_FOR_STAFF", default=False)
TOTP_ISSUER = env("TOTP_ISSUER", default="整改台账")
TOTP_FAILURE_LIMIT = 5
# Earlier secret keys after a rotation: old sessions, signatures and the encrypted TOTP secrets stay readable.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
# Single sign-on through CAS (accounts/cas.py, docs/operations.md): empty = off, the local form only.
# The CAS user (or the attribute CAS_ACCOUNT_ATTRIBUTE names) must be an existing account's login; nobody is
# created and nothing about units or roles comes from the CAS server.
CAS_SERVER_URL = env("CAS_SERVER_URL", default="")
CAS_VERSION = env("CAS_VERSION", default="3")
CAS_ACCOUNT_ATTRIBUTE = env("CAS_ACCOUNT_ATTRIBUTE", default="")
CAS_VERIFY_SSL_CERTIFICATE = True
CAS_CREATE_USER = False
CAS_APPLY_ATTRIBUTES_TO_USER = False
# Content-Security-Policy (django-csp 4): nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One line per record, time in UTC, control characters escaped: user input cannot forge a line.
    "formatters": {"safe": {"()": "accounts.security_log.SafeFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "safe"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
    "loggers": {"security": {"level": "INFO"}},
}
