# The two commands a newcomer runs (see README.md):
#   make run    install what is missing, build, start stockd on 127.0.0.1:6379
#   make test   install what is missing, build, run every test
# Dependencies come from Debian packages only.

DEB_PACKAGES := cmake ninja-build g++ clang libclang-rt-14-dev ccache pkg-config \
  libboost-context-dev libboost-dev libabsl-dev librocksdb-dev \
  libgtest-dev libgmock-dev libbenchmark-dev liblua5.1-0-dev lua-cjson lua-bitop \
  libhiredis-dev libssl-dev redis-server redis-tools gnuplot-nox golang-go procps \
  libjemalloc2

BUILD      ?= build
BUILD_TSAN ?= build-tsan
BUILD_ASAN ?= build-asan
BUILD_TSAN_ENGINE ?= build-tsan-engine
BUILD_FUZZ ?= build-fuzz
# Seconds each libFuzzer target runs in `make test` (4 targets: ~4 minutes in all).
FUZZ_SECONDS ?= 55
JOBS       ?= $(shell nproc)
CMAKE_GEN  := -G Ninja

.PHONY: all deps build run test test-full test-unit test-asan test-tsan test-tsan-engine test-fuzz bench clean

all: build

# Installs the Debian packages that are missing (needs root; runs apt-get update first).
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "not root: install these with apt-get:$$missing"; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  service redis-server stop >/dev/null 2>&1 || true; \
	fi

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: build
	mkdir -p data
	./$(BUILD)/server/stockd config/stockd.conf

# Every test, the fast Release suite first (fail fast), then the runtime,
# protocol, config and engine tests under TSan, the fuzzers, and the whole
# suite under ASan+UBSan (a cold sanitizer build is the longest step). Each
# step prints its wall time ("== <step>: N s").
test: build
	@t=$$(date +%s); $(MAKE) --no-print-directory test-unit; rc=$$?; echo "== test-unit: $$(( $$(date +%s) - t )) s"; exit $$rc
	@t=$$(date +%s); $(MAKE) --no-print-directory test-tsan-engine; rc=$$?; echo "== test-tsan-engine: $$(( $$(date +%s) - t )) s"; exit $$rc
	@t=$$(date +%s); $(MAKE) --no-print-directory test-fuzz; rc=$$?; echo "== test-fuzz: $$(( $$(date +%s) - t )) s"; exit $$rc
	@t=$$(date +%s); $(MAKE) --no-print-directory test-asan; rc=$$?; echo "== test-asan: $$(( $$(date +%s) - t )) s"; exit $$rc

# Kept for scripts that used it: `make test` runs everything now. (test-tsan,
# the runtime tests alone under TSan, is a subset of test-tsan-engine.)
test-full: test

test-unit:
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 600

# The whole suite under ASan+UBSan (integration tests start the ASan stockd).
# Excluded by label: `bench` — smoke runs of the benchmark instruments, which
# time things and compare against redis-server (meaningless, and slow, under
# ASan; their code paths are the ones the other suites cover).
# halt_on_error / abort_on_error: a report fails the test, never only logs.
test-asan: deps
	cmake -S . -B $(BUILD_ASAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSTOCKD_SANITIZER=address >/dev/null
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	ASAN_OPTIONS="halt_on_error=1 abort_on_error=1 detect_leaks=1 detect_stack_use_after_return=0" \
	UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1" \
	  ctest --test-dir $(BUILD_ASAN) --output-on-failure -j $(JOBS) --timeout 900 -LE bench

test-tsan: deps
	cmake -S . -B $(BUILD_TSAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSTOCKD_SANITIZER=thread -DSTOCKD_ONLY_RUNTIME=ON >/dev/null
	cmake --build $(BUILD_TSAN) -j $(JOBS)
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  ctest --test-dir $(BUILD_TSAN) --output-on-failure -j $(JOBS) --timeout 600

# runtime, protocol, config and engine tests under TSan (-DSTOCKD_ONLY_ENGINE=ON).
test-tsan-engine: deps
	cmake -S . -B $(BUILD_TSAN_ENGINE) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSTOCKD_SANITIZER=thread -DSTOCKD_ONLY_ENGINE=ON >/dev/null
	cmake --build $(BUILD_TSAN_ENGINE) -j $(JOBS)
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  ctest --test-dir $(BUILD_TSAN_ENGINE) --output-on-failure -j $(JOBS) --timeout 900

test-fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(BUILD_FUZZ) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSTOCKD_FUZZ=ON -DSTOCKD_SANITIZER=address >/dev/null
	cmake --build $(BUILD_FUZZ) -j $(JOBS)
	STOCKD_FUZZ_SECONDS=$(FUZZ_SECONDS) ctest --test-dir $(BUILD_FUZZ) --output-on-failure --timeout 900

bench: build
	./bench/runtime-vs-go.sh

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_TSAN) $(BUILD_TSAN_ENGINE) $(BUILD_FUZZ)
