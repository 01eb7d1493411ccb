# Two commands do all the set-up on a fresh machine with Python 3.11+:
#   make build   virtual environment, install, build families/ into out/
#   make test    the whole test suite (installs what the tests need)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TESTED := $(VENV)/.installed-test
NODE   := node_modules/.package-lock.json

.PHONY: build test clean test-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(TESTED): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(TESTED)

# GOV.UK Frontend (and axe-core for the accessibility tests) from the npm registry, exactly as
# pinned in package-lock.json; the site build copies its files from node_modules/.
$(NODE): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "warning: npm not found: the site will be unstyled"; exit 0; }; \
	  npm ci --no-audit --no-fund --loglevel=error && touch $(NODE)

build: $(STAMP) $(NODE)
	$(BIN)/cogs build families -o out
	@echo
	@echo "Built. Open out/index.html in a browser, or run: $(BIN)/cogs serve out"

# Debian's chromium for the browser tests; installed only when missing.
test-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing chromium from Debian's packages for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "warning: could not install chromium; browser tests will be skipped"; }

test: $(TESTED) $(NODE) test-deps
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

clean:
	rm -rf $(VENV) out out.* node_modules
