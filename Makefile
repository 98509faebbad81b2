# Two commands on a fresh machine:  `make demo` (set up + run the Space)  and  `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: setup demo upscale test test-fast browser lint

setup: $(VENV)/.installed

# torch 2.13.0 first: the CPU build on disk. Installing the project first would pull CUDA wheels.
# The Space's pins (space/requirements.txt, less its CPU index, torch and any extras, which a
# constraints file may not name) constrain the rest, so the tests run the versions the Space
# deploys, whatever PyPI released since.
$(VENV)/.installed: pyproject.toml space/requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	sed -nE 's/^([A-Za-z0-9_.-]+)(\[[^]]*\])?(==.*)$$/\1\3/p' space/requirements.txt | grep -v '^torch==' \
		> $(VENV)/space-pins.txt
	$(PY) -m pip install -q -e ".[train,space,onnx,dev]" -c $(VENV)/space-pins.txt
	touch $@

# Debian's Chromium for the Space's browser test (Playwright drives it; no browser download).
# Without root or apt (not Debian), it says so and the browser test skips itself.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || \
		echo "chromium not installed (needs root and apt): the browser test will be skipped"

demo: setup
	HF_HUB_OFFLINE=1 $(PY) space/app.py

upscale: setup
	HF_HUB_OFFLINE=1 $(VENV)/bin/hf-srgan upscale space/examples -o outputs/
	@echo "upscaled images are in outputs/"

test: setup browser
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 $(PY) -m pytest $(PYTEST_ARGS)

test-fast: setup
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 $(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
