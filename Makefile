# Two commands do it all: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# make eval scores every development set, listed once with the known misses in tests/eval_runner.py (single
# questions) and tests/eval_dialogs.py (dialogs), all of them files of this repo; FILE=… / DIALOGS=… score other sets.
FILE ?=
DIALOGS ?=

.PHONY: install run test test-fast lint coverage eval eval-locked bench bench-quick bench-big generate console clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	# jieba imports pkg_resources when setuptools is present (~0.1 s of every start); nothing here needs it
	$(PY) -m pip uninstall --quiet --yes setuptools
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@if [ -n "$$BOT_TOKEN" ]; then exec $(PY) main.py run; else exec $(PY) main.py console; fi

console: $(STAMP)
	$(PY) main.py console

test: $(STAMP)
	@test -x /usr/bin/chromium || echo "Chromium 未安装：看板的浏览器测试跳过（apt-get install -y chromium；.ci/run 会自动安装）"
	$(PY) -m pytest

# Only the pure and service layers (in memory, or over SQLite files in tmp_path): seconds. Layers: tests/layers.py.
test-fast: $(STAMP)
	$(PY) -m pytest -m "pure or service"

# ruff check and mypy (both configured in pyproject.toml), zero findings; .ci/run runs it before the tests.
LINT_PATHS := bot handlers knowledge reporting storage bench tests application.py errors.py main.py
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy $(LINT_PATHS)

# The whole suite under coverage.py, every Python process it starts measured too (main.py's commands, the bench's
# children: [tool.coverage.run] in pyproject.toml); the data of all the processes combined, then one report.
coverage: $(STAMP)
	$(PY) -m coverage erase
	$(PY) -m coverage run -m pytest; status=$$?; \
	$(PY) -m coverage combine --quiet && $(PY) -m coverage report; exit $$status

eval: $(STAMP)
	status=0; $(PY) -m tests.eval_runner $(FILE) || status=1; $(PY) -m tests.eval_dialogs $(DIALOGS) || status=1; exit $$status

# The locked halves of the blind sets: score them, never tune on them.
eval-locked: $(STAMP)
	@echo 'every blind set so far (rounds 1-14) has been scored once; write a new locked set before tuning further'

# Benchmarks on generated databases of 10k and 100k reports (BENCH_BIG=1, or bench-big, adds 1M).
bench: $(STAMP)
	$(PY) -m bench

bench-quick: $(STAMP)
	$(PY) -m bench --quick

bench-big: $(STAMP)
	BENCH_BIG=1 $(PY) -m bench

# A deployment's worth of data to try the admin features on: make generate DEMO_DB=data/demo.db REPORTS=100000
DEMO_DB ?= data/demo.db
REPORTS ?= 100000
generate: $(STAMP)
	$(PY) -m bench generate --db $(DEMO_DB) --reports $(REPORTS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .coverage .coverage.* .mypy_cache .ruff_cache
