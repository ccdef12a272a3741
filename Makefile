# 整改台账 — the two commands are `make run` and `make test`; everything they need is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# System packages: PDF rendering with Chinese fonts (fast subsetting needs libharfbuzz-subset0),
# translations, PDF checks (pdffonts, pdfsig, certutil), pg_dump / pg_restore for backups (Debian 12's client is
# PostgreSQL 15, the server's version), LibreOffice (the test that prints 附件2 as LibreOffice does) and the
# browser for end-to-end tests; python-ldap's headers to build it (libldap2-dev, libsasl2-dev: sign-in through the
# institution's directory) and OpenLDAP's server and tools (slapd, ldap-utils: the directory sign-in tests start
# their own slapd). The CAS single sign-on tests need a real CAS server: LemonLDAP::NG's portal run by its FastCGI
# server behind an nginx the tests start themselves (tests/cas_server.py); the app itself needs none of these four.
# nginx, openssl and redis-server also run `make deploy-test` (the kit in deploy/ started for real).
SYSTEM_PACKAGES := fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 gettext \
	poppler-utils libnss3-tools postgresql-client libreoffice-calc-nogui chromium \
	libldap2-dev libsasl2-dev slapd ldap-utils lemonldap-ng lemonldap-ng-fastcgi-server nginx openssl redis-server
# Node and npm install the browser journeys' test-only tools (axe-core, package-lock.json). Checked by command,
# not by package: a NodeSource nodejs package carries npm itself and conflicts with Debian's npm package.
NODE_PACKAGES := nodejs npm
# The production stack the suite runs against (PostgreSQL and Redis run on this machine kind).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install system report-fonts run test test-fast smoke-embedded deploy-test lint security messages compilemessages clean scale-data bench

install: system $(VENV)/.installed node_modules/.package-lock.json compilemessages report-fonts

system:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages: $$missing"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi
	@if ! command -v npm >/dev/null; then \
		echo "Installing $(NODE_PACKAGES)"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(NODE_PACKAGES); \
	fi

# The browser journeys' accessibility check (axe-core), exactly as package-lock.json pins it; npm ci runs again
# only when the lock file changes.
node_modules/.package-lock.json: package-lock.json | system
	npm ci --no-audit --no-fund

# requirements.txt is what production runs; requirements-dev.txt adds the tests and tools (and includes it).
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# The report's cut-down Chinese fonts (reports/fonts.py): about a minute once, then skipped while up to date.
report-fonts: $(VENV)/.installed system
	$(PY) manage.py build_report_fonts

compilemessages: $(VENV)/.installed
	@cd . && $(PY) manage.py compilemessages --ignore=.venv -v 0

messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=tests --no-obsolete

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	DJANGO_DEBUG=True $(PY) manage.py runserver 127.0.0.1:8000

# The suite runs in TEST_WORKERS processes (pytest-xdist), each with its own test database (test_<name>_gw0, …)
# and media directory; --dist loadfile keeps a test file on one worker, so its module fixtures (a demo seeded
# once, a private redis-server) are made once. --no-loadscope-reorder hands the files out in the order
# tests/conftest.py puts them (the browser files after the rest, the longest of them first), not sorted by their
# number of tests, which put the browser files last in any order: one worker walked every page at the end while
# the other idled.
TEST_WORKERS ?= 2
PYTEST_PARALLEL := -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The whole suite against PostgreSQL and Redis, then the embedded default (SQLite, no Redis).
test: install
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory security
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) tools/check_services.py
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest -q -p no:cacheprovider --durations=25 $(PYTEST_PARALLEL)
	$(MAKE) --no-print-directory deploy-test
	$(MAKE) --no-print-directory smoke-embedded

# Quick local loop: reuse the test databases, skip the browser, stop at the first failure.
test-fast: $(VENV)/.installed
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest -q --reuse-db $(PYTEST_PARALLEL) \
		-m "not browser" -x

# The deployment kit (deploy/) run for real: nginx over HTTPS in front of two gunicorn nodes, a Celery worker and
# beat, a fresh PostgreSQL database and a redis-server of its own; a demo export and a signed report through it
# (tools/deploy_test.py, about a minute and a half). Uses nginx and openssl; everything is stopped afterwards.
deploy-test: $(VENV)/.installed
	env -u DATABASE_URL -u REDIS_URL -u DJANGO_SETTINGS_MODULE $(PY) tools/deploy_test.py

smoke-embedded: $(VENV)/.installed
	env -u DATABASE_URL -u REDIS_URL bash tools/smoke_embedded.sh

# Province scale (see docs/performance.md): generate once into the configured database, then measure.
SCALE_UNITS ?= 300000
SCALE_ITEMS ?= 1000000
scale-data: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py generate_scale --units $(SCALE_UNITS) --items $(SCALE_ITEMS)

bench: $(VENV)/.installed
	$(PY) manage.py bench --output bench-results/bench.json

# ruff, then the layers of the apps (.importlinter): an app importing from a layer above its own fails here.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

# Static security analysis of the project's own code: any high-severity bandit finding fails.
# Every app of the project (each has an apps.py) and config/: a new app is scanned without editing this line.
SECURITY_PACKAGES := config $(patsubst %/apps.py,%,$(wildcard */apps.py))
security: $(VENV)/.installed
	$(VENV)/bin/bandit -r $(SECURITY_PACKAGES) -lll -q --exclude '*/migrations/*'
	@echo "security: bandit found no high-severity issue"

clean:
	rm -rf $(VENV) node_modules staticfiles .test_media
