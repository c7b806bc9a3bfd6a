# Two commands set everything up on a fresh Debian machine:
#   make demo   install, then generate every example partner's agreement into out/ and compare
#               the shipped negotiated copy with its standard
#   make test   install (with the real-client test tools), lint, type-check and run the tests
# and, for development (CONTRIBUTING.md):
#   make test-fast  lint, type-check and every test that starts no outside program, the
#                   property tests trying a fifth of their examples (tests/budget.py; < 60 s)
#   make golden     rewrite tests/golden/ from the current output (review the diff)
#   make smoke      build the wheel, install it in a fresh venv, run it outside the checkout
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

# pytest-xdist: one worker per core (each starts its own LibreOffice once, on first use)
JOBS ?= auto
# Python keeps the bytecode of dsagen and of the tests (pytest's assertion rewriting included)
# even where the environment says not to: each worker compiling them again costs 2 s of CPU.
KEEP_BYTECODE := PYTHONDONTWRITEBYTECODE=
EXTERNAL := libreoffice or postgres or browser

.PHONY: demo test test-fast golden smoke install system-deps test-deps lint bench clean

$(STAMP): pyproject.toml
	@bash scripts/system-deps.sh runtime
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check -U pip
	@$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

test-deps:
	@bash scripts/system-deps.sh test

demo: $(STAMP)
	@$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[browse]'
	$(BIN)/dsagen validate examples/partners/
	$(BIN)/dsagen lint examples/partners/
	$(BIN)/dsagen generate examples/partners/ --out out --format docx,pdf --force
	@ls -1 out/*/*.docx out/*/*.pdf
	@# exit 1 means "deviations found", which this negotiated example has on purpose
	$(BIN)/dsagen diff examples/partners/gravy-uf.yaml examples/negotiated/gravy-uf-v2.docx \
	    --html out/gravy-uf/compare.html --redline out/gravy-uf/redline.docx --force \
	    || test $$? -eq 1
	$(BIN)/dsagen respond examples/partners/gravy-uf.yaml examples/negotiated/gravy-uf-v2.docx \
	    --out out/gravy-uf/counter-draft.docx --issues out/gravy-uf/issues.docx --force
	$(BIN)/dsagen ingest gravy-uf examples/negotiated/gravy-uf-v2.docx
	@echo "browse the registry: $(BIN)/dsagen browse"

lint: $(STAMP)
	$(BIN)/ruff check dsagen tests bench
	$(BIN)/ruff format --check dsagen tests bench
	$(BIN)/mypy dsagen

test: $(STAMP) test-deps lint
	$(KEEP_BYTECODE) $(BIN)/pytest -q -n $(JOBS)

test-fast: $(STAMP) lint
	$(KEEP_BYTECODE) DSAGEN_QUICK_TESTS=1 $(BIN)/pytest -q -n $(JOBS) -m "not ($(EXTERNAL))"

golden: $(STAMP)
	$(BIN)/pytest -q -n $(JOBS) --update-golden tests/test_golden_reports.py \
	    tests/test_examples.py -k golden
	@git status --short tests/golden

smoke: $(STAMP)
	bash scripts/wheel-smoke.sh $(BIN)/python

bench: $(STAMP)
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/generate.py

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
