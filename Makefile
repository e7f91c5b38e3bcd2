# Reelpack: the two commands a newcomer needs are `make demo` and `make test`.
# Both install what is missing first (Debian/Ubuntu packages, Python reference tools).

SWIFT        ?= swift
DEMO_DIR     ?= demo
BUILD_FLAGS  ?=

.PHONY: deps demo test e2e bench build release clean fuzz fuzz-short pg-start pg-stop check-kubernetes test-slurm

## deps: install the C libraries, reference tools and Python packages (idempotent)
deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(BUILD_FLAGS)

## demo: build in release, make a short synthetic reel and run the main job on it
demo: release
	@bash scripts/demo.sh "$(DEMO_DIR)"

## test: every test, debug build, then the review's browser test (Tests/e2e) and the
## Kubernetes manifests' check. The queue tests run against a throwaway PostgreSQL
## server (pg-start).
test: deps pg-start
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	REELPACK_TEST_PG_URL="$$(bash scripts/pg-test-server.sh url)" $(SWIFT) test --skip-build $(BUILD_FLAGS)
	$(MAKE) e2e
	$(MAKE) check-kubernetes

## pg-start: a PostgreSQL server for the queue tests, on a Unix socket under .build (prints its URL)
pg-start: deps
	@bash scripts/pg-test-server.sh start

## pg-stop: stops the test server
pg-stop:
	@bash scripts/pg-test-server.sh stop

## e2e: `reelpack review` in headless Chromium (skips, saying why, only when Chromium cannot start)
e2e:
	@status=0; /usr/bin/python3 Tests/e2e/review_e2e.py --reelpack "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/reelpack" || status=$$?; \
	  if [ $$status -eq 77 ]; then echo "review e2e skipped (see above)"; elif [ $$status -ne 0 ]; then exit $$status; fi

## check-kubernetes: deploy/kubernetes parsed, schema-checked offline (kubernetes-validate),
## its references resolved, its reelpack command lines checked against the CLI's help, and
## its Jobs' lines run here on a small reel (shards and merge; the queue's against a
## throwaway PostgreSQL)
check-kubernetes:
	bash scripts/check-kubernetes.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/reelpack"

## test-slurm: deploy/slurm on a one-node Slurm started on this host (root; see deploy/README.md)
test-slurm: build
	REELPACK_BIN="$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/reelpack" bash scripts/test-slurm.sh

## bench: benchmarks against reference tools, release build (see BENCHMARKS.md)
bench: release
	$(SWIFT) run -c release reelpack-bench $(BENCH)

## fuzz: every libFuzzer harness for FUZZ_RUNS executions each (default one million;
## see FUZZING.md). Built from Sources/ into .build-fuzz/, apart from the package build.
FUZZ_RUNS ?= 1000000
fuzz: build
	FUZZ_RUNS=$(FUZZ_RUNS) bash Fuzz/fuzz.sh

## fuzz-short: every harness for 12 s (CI runs it after `make test`)
fuzz-short: build
	bash Fuzz/fuzz.sh 12

clean:
	rm -rf .build .build-fuzz $(DEMO_DIR)
