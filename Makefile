# The two commands of the README. Each creates its own virtual environment and installs what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test server-passes lint screenshots

# Install sozialgraph and serve Jena's graph on http://127.0.0.1:8000 (builds the store on first start).
run:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet .
	$(BIN)/sozialgraph serve

# Integration tests that run a second time against a real Oxigraph server as the store.
BOTH_BACKENDS := tests/integration/test_sparql_endpoint.py tests/integration/test_sparql_clients.py \
	tests/integration/test_sparql_safety.py tests/integration/test_sparql_w3c_protocol.py \
	tests/integration/test_api.py tests/integration/test_graph_store.py tests/integration/test_gsp_w3c.py \
	tests/integration/test_linked_data.py tests/integration/test_catalog.py tests/integration/test_dumps.py \
	tests/integration/test_search_freshness.py tests/integration/test_change_streams.py

# They run a third time against a real Virtuoso 7 (docs/remote-store.md: the cases skipped there).
VIRTUOSO_SUITES := $(BOTH_BACKENDS)

# Install sozialgraph with its test tools (and Debian's Chromium for the browser tests, Virtuoso
# for the remote-store tests), run the whole test suite (pytest), then the server-level tests once
# more on a real Oxigraph server and (VIRTUOSO_SUITES) once more on a real Virtuoso, the two
# passes side by side.
test:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)
	command -v virtuoso-t >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends virtuoso-opensource)
	cd tests/ldes && npm ci --no-audit --no-fund
	cd tests/browser && npm ci --no-audit --no-fund
	$(BIN)/python -m pytest
	$(MAKE) --no-print-directory server-passes

# The Oxigraph and the Virtuoso pass side by side (each starts its servers on free ports; most of
# their time is spent waiting for a server): each writes its log to $(PASS_LOGS), printed when
# both are done; the target fails if either failed.
PASS_LOGS := $(VENV)/pass-logs
server-passes:
	mkdir -p $(PASS_LOGS)
	SOZIALGRAPH_TEST_BACKEND=oxigraph $(BIN)/python -m pytest $(BOTH_BACKENDS) \
		>$(PASS_LOGS)/oxigraph.log 2>&1 & oxigraph=$$!; \
	SOZIALGRAPH_TEST_BACKEND=virtuoso $(BIN)/python -m pytest $(VIRTUOSO_SUITES) \
		>$(PASS_LOGS)/virtuoso.log 2>&1; virtuoso=$$?; \
	wait $$oxigraph; oxigraph=$$?; \
	echo "== Oxigraph server pass (exit $$oxigraph)"; cat $(PASS_LOGS)/oxigraph.log; \
	echo "== Virtuoso pass (exit $$virtuoso)"; cat $(PASS_LOGS)/virtuoso.log; \
	test $$oxigraph -eq 0 && test $$virtuoso -eq 0

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# Screenshots of the cross-reference matrix, ECCAR coverage and the documentation status (Jena,
# German) for the README: builds Jena's graph in a temporary folder, serves it, writes
# docs/screenshots/*.png with Chromium. Needs the test tools (make test installs them).
screenshots:
	$(BIN)/python -m tests.browser.screenshots
