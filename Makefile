# The two commands of the README are `make run` and `make test`; everything else here serves them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000
DEMO_ARGS ?= --organisations 60 --years 3 --seed 2026
SHARED := ../shared/data
# `make run` keeps the data of an earlier run (also the synthetic demo set); `make run DEMO=new` makes the demo set
# anew. It runs with DEBUG off, as users see the app, unless `make run DEBUG=true`.
DEMO ?= keep
DEMO_KEEP := $(if $(filter new,$(DEMO)),,--if-missing)
RUN_DEBUG := $(if $(filter true,$(DEBUG)),true,false)

.PHONY: run serve test install system-deps test-deps debian-packages screenshots static lint typecheck checks openapi openapi-check pytest pytest-postgres test-quick

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check pip==25.3
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

# Debian packages: gettext to compile the translations (run and test); Pango and a font for WeasyPrint, which lays
# out the PDF reports; chromium (browser tests) and poppler-utils (reading the PDF reports back) for the tests only.
RUN_PACKAGES := msgfmt:gettext libpangoft2-1.0.so.0:libpangoft2-1.0-0 \
  /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:fonts-dejavu-core
system-deps:
	@$(MAKE) --no-print-directory debian-packages PACKAGES="$(RUN_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory debian-packages PACKAGES="$(RUN_PACKAGES) chromium:chromium pdftotext:poppler-utils"

# PACKAGES lists check:package pairs; a package is installed when its check fails. A check is a command name, a
# shared library (lib*.so*, looked up with ldconfig) or an absolute path that must exist.
debian-packages:
	@missing=""; for pair in $(PACKAGES); do check="$${pair%%:*}"; \
	  case "$$check" in \
	    /*) test -e "$$check" ;; \
	    lib*.so*) /sbin/ldconfig -p | grep -q "$$check" ;; \
	    *) command -v "$$check" >/dev/null ;; \
	  esac || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

static: node_modules/.installed
	npm run --silent build >/dev/null
	$(PY) manage.py compilemessages --ignore '.venv' --ignore 'node_modules' -v 0

run: install system-deps static
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py load_reference
	@if [ -f $(SHARED)/reference/mvi_pg_cpv_hints_historical.csv ]; then \
	  $(PY) manage.py load_cpv_hints $(SHARED)/reference/mvi_pg_cpv_hints_historical.csv; \
	else echo "SKIPPED: the historical CPV hints per product group ($(SHARED)/reference/mvi_pg_cpv_hints_historical.csv is not present)"; fi
	$(PY) manage.py load_effects_reference
	$(PY) manage.py load_reference_options
	$(PY) manage.py load_award_reference
	$(PY) manage.py load_isv_reference
	$(PY) manage.py load_rules
	$(PY) manage.py load_targets
	$(PY) manage.py load_plans_reference
	@if [ -f $(SHARED)/reference/co2_emission_factors_nl_2026.csv ]; then \
	  $(PY) manage.py load_official_factors $(SHARED)/reference/co2_emission_factors_nl_2026.csv; \
	else echo "SKIPPED: the official CO2 emission factors ($(SHARED)/reference/co2_emission_factors_nl_2026.csv is not present)"; fi
	@if [ -f $(SHARED)/reference/rivm_effect_results.csv ]; then \
	  $(PY) manage.py load_rivm_results $(SHARED)/reference/rivm_effect_results.csv; \
	else echo "SKIPPED: RIVM's published effect results ($(SHARED)/reference/rivm_effect_results.csv is not present)"; fi
	$(PY) manage.py generate_demo $(DEMO_ARGS) $(DEMO_KEEP)
	$(PY) manage.py generate_demo_effects --seed 2026 $(DEMO_KEEP)
	$(PY) manage.py evaluate_rules
	$(PY) manage.py create_demo_login --url http://$(HOST)/
	$(PY) manage.py generate_demo_plan $(DEMO_KEEP)
	@echo "starting the background worker for imports (manage.py import_worker) beside the web server"
	@echo "DEBUG=$(RUN_DEBUG) (make run DEBUG=true shows Django's debug pages)"
	DEBUG=$(RUN_DEBUG) $(PY) manage.py import_worker & trap "kill $$!" EXIT INT TERM; \
	  DEBUG=$(RUN_DEBUG) $(PY) manage.py runserver --insecure $(HOST)

# Production: the environment (DJANGO_ENV=production, SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS, ...; see
# docs/production.md) comes from the caller. Gunicorn serves the pages; the import worker, at a lower CPU priority,
# restarts when it stops.
serve: install static
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py collectstatic --no-input -v 0
	$(PY) manage.py load_reference
	$(PY) manage.py load_effects_reference
	$(PY) manage.py load_reference_options
	$(PY) manage.py load_award_reference
	$(PY) manage.py load_isv_reference
	$(PY) manage.py load_rules
	$(PY) manage.py load_targets
	$(PY) manage.py load_plans_reference
	$(PY) manage.py check --deploy --fail-level ERROR
	nice -n 10 scripts/supervise.sh $(PY) manage.py import_worker & trap "kill $$!" EXIT INT TERM; \
	  $(VENV)/bin/gunicorn --config deploy/gunicorn.conf.py mvimonitor.wsgi

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck:
	$(VENV)/bin/mypy

CHECK_ENV := DJANGO_ENV=production DATABASE_URL=postgres://mvimonitor@db.example.org/mvimonitor \
  SECRET_KEY=ci-check-only-$$(date +%s)-a-long-random-looking-value-for-the-deploy-check \
  ALLOWED_HOSTS=mvimonitor.example.org MVIMONITOR_STATIC_ROOT=build/staticfiles-check

checks:
	$(PY) manage.py check --fail-level WARNING
	$(CHECK_ENV) $(PY) manage.py collectstatic --no-input -v 0 --clear
	$(CHECK_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run

# With `make run` running: the user guide's screenshots (docs/handleiding/img) made anew from the app.
screenshots:
	$(PY) scripts/screenshots.py --url http://$(HOST)

openapi:
	$(PY) manage.py spectacular --file docs/openapi.json --format openapi-json --validate --fail-on-warn

openapi-check:
	$(PY) manage.py spectacular --file build/openapi.json --format openapi-json --validate --fail-on-warn
	diff -u docs/openapi.json build/openapi.json || (echo "docs/openapi.json is stale: run 'make openapi'" && exit 1)
	@if [ -f $(SHARED)/adr/linter.yaml ]; then \
	  npx --no-install spectral lint --fail-severity=warn -r $(SHARED)/adr/linter.yaml docs/openapi.json; \
	else echo "SKIPPED: Spectral ADR lint, $(SHARED)/adr/linter.yaml is not present"; fi

pytest:
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: install test-deps static lint typecheck checks openapi-check pytest

# A maintainer's quick run between commits: the tests without the browser tests, in QUICK_WORKERS processes (one per
# core of the 2-core development machine) that each take a whole module at a time, the longest modules first
# (tests/conftest.py). No install, lint or other gate: `make test` stays the full check. SQLite unless DATABASE_URL
# says otherwise, as `make pytest`; pytest's own exit status (5 when no test ran) fails the target.
QUICK_WORKERS ?= 2
test-quick:
	$(VENV)/bin/pytest -m "not browser" -n $(QUICK_WORKERS) --dist loadfile --no-loadscope-reorder \
	  -p no:cacheprovider $(PYTEST_ARGS)
