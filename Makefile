# newstrail: `make run` analyzes the bundled sample corpus; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
OUT    := out
EXTRAS := model,postgres,parquet,test,bench

.PHONY: install run test system-deps bench bench-quotes bench-clean clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

install: $(STAMP)

run: install
	rm -f $(OUT)/sample.db $(OUT)/sample.db-wal $(OUT)/sample.db-shm
	mkdir -p $(OUT)
	$(BIN)/newstrail analyze newstrail/data/sample --db $(OUT)/sample.db
	$(BIN)/newstrail report --db $(OUT)/sample.db -o $(OUT)/report.html

# Debian packages the tests need (a PostgreSQL server); installed only when root.
system-deps:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "PostgreSQL not installed and not root: PostgreSQL tests will skip"; fi; \
	fi

test: install system-deps
	scripts/with-postgres $(BIN)/python -m pytest -q

bench: bench-quotes bench-clean

bench-quotes: install
	$(BIN)/python benchmarks/polnear.py --split test

bench-clean: install
	$(BIN)/python benchmarks/cleaning.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache build *.egg-info
