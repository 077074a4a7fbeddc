# newstrail: `make run` analyzes the bundled sample corpus; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
OUT    := out
EXTRAS := model,postgres,parquet,test,bench,dist,web

.PHONY: fuzz install run test system-deps bench bench-quotes bench-clean bench-explore bench-stories bench-scale bench-load clean

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
	@echo "browse it: $(BIN)/newstrail serve --db $(OUT)/sample.db  (then open http://127.0.0.1:8000/)"

# Debian packages the tests need (a PostgreSQL server, chromium for the browser tests);
# installed only when root.
system-deps:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "PostgreSQL not installed and not root: PostgreSQL tests will skip"; fi; \
	fi
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "chromium could not be installed: browser tests will skip"; \
	  else echo "chromium not installed and not root: browser tests will skip"; fi; \
	fi

test: install system-deps
	scripts/with-postgres $(BIN)/python -m pytest -q

# The property tests with many more examples than `make test` runs (40 per property).
fuzz: install
	NEWSTRAIL_FUZZ_EXAMPLES=$${NEWSTRAIL_FUZZ_EXAMPLES:-2000} $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_fuzz.py

bench: bench-quotes bench-clean bench-explore bench-stories

bench-quotes: install
	$(BIN)/python benchmarks/polnear.py --split test

bench-clean: install
	$(BIN)/python benchmarks/cleaning.py

bench-explore: install
	$(BIN)/python benchmarks/explore.py

# `newstrail serve` under a bounded mix of page, JSON and search requests on 10,000 articles
# (the corpus is built once and cached under out/load/; LOAD_ARGS=--concurrency 8 and so on).
bench-load: install
	$(BIN)/python benchmarks/load.py $(LOAD_ARGS)

# Stories (BASIL, ECB+), trails on BASIL, and grouping at 10k and 100k synthetic articles (~10 min).
bench-stories: install
	$(BIN)/python benchmarks/stories.py

# Whole pipeline at N = 1k and 10k articles: local engine with 1 and 2 workers, Dask with 2,
# next to textacy (long: about an hour on 2 cores; add SCALE_ARGS=--with-100k for N = 100k).
bench-scale: install
	$(BIN)/python benchmarks/scale.py $(SCALE_ARGS)

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache build *.egg-info
