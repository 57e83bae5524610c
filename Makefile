# KneeFlow. One build configuration (release, with testing enabled) serves the tool, the tests
# and the benchmarks, so CI builds once.
SWIFT        ?= swift
SWIFT_FLAGS  ?= -c release -Xswiftc -enable-testing
BIN_DIR      := $(shell $(SWIFT) build $(SWIFT_FLAGS) --show-bin-path 2>/dev/null)
KNEEFLOW     := $(BIN_DIR)/kneeflow
# Test targets that need a PostgreSQL server or the built binary (Package.swift); every other
# test target is a unit-test target.
INTEGRATION_TARGETS := PostgresIntegrationTests|QueueIntegrationTests|EndToEndTests

.PHONY: deps build test test-unit demo bench bench-pgbench bench-reference bench-nmf bench-e2e image clean

# Debian packages (postgresql, libpq-dev, libopenblas-dev, zlib1g-dev); a no-op when present.
deps:
	@bash ops/install-deps.sh

build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

# Everything, against a real throwaway PostgreSQL the tests start themselves.
test: build
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	KNEEFLOW_BIN=$(KNEEFLOW) $(SWIFT) test $(SWIFT_FLAGS) --skip-build

# Tests that need no database server: every test target but the integration targets.
test-unit: deps
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	$(SWIFT) test $(SWIFT_FLAGS) --skip-build --skip '^($(INTEGRATION_TARGETS))\.'

demo: build
	$(KNEEFLOW) demo

bench: build
	$(KNEEFLOW) bench queue --jobs 20000 --workers 4
	$(KNEEFLOW) bench chain --reps 5 --threads 1,2
	$(KNEEFLOW) bench classifier

# The database's own limit for KneeFlow's claim+complete SQL (pgbench) beside `bench queue`.
bench-pgbench: build
	KNEEFLOW=$(KNEEFLOW) ops/pgbench-queue.sh

# The imaging chain against the Python reference chain, back to back (needs numpy, scikit-learn,
# scikit-image; REFERENCE holds pipeline.py and phantom.py; REFERENCE_THREADS=1 pins its BLAS).
REFERENCE         ?= ../shared/reference
REFERENCE_THREADS ?= 0
bench-reference: build
	python3 ops/compare-reference.py --reference $(REFERENCE) --kneeflow $(KNEEFLOW) --reference-threads $(REFERENCE_THREADS)

# The default NMF's error against scikit-learn's on the benchmark phantoms, phantoms of other
# seeds and nibabel's NIfTI test files (needs numpy and scikit-learn); exits 1 if ours is above
# on any volume.
PYTHON ?= python3
bench-nmf: build
	$(PYTHON) ops/nmf-vs-sklearn.py --reference $(REFERENCE) --kneeflow $(KNEEFLOW)

# End-to-end throughput: embedded PostgreSQL in a temporary home, the demo's volumes, 1 then 2
# `kneeflow work --threads 1` processes through the whole chain; JSON on stdout.
E2E_JOBS ?= 200
bench-e2e: build
	$(KNEEFLOW) bench e2e --jobs $(E2E_JOBS) --workers 1,2

# The worker container image (ops/image/build.sh): Debian packages via mmdebstrap, no base layer
# pulled; the binary with the Swift standard library linked statically, in its own build
# directory so the tested build above is left alone. Needs root, mmdebstrap and podman. Not part
# of `make test`.
IMAGE ?= localhost/kneeflow-worker
image:
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build/image --product kneeflow
	bash ops/image/build.sh .build/image/release/kneeflow $(IMAGE)

clean:
	rm -rf .build
