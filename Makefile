# The two commands a newcomer runs (see README.md):
#   make run    install what is missing, build, start stockd on 127.0.0.1:6379
#   make test   install what is missing, build, run every test
# Dependencies come from Debian packages only.

DEB_PACKAGES := cmake ninja-build g++ clang libclang-rt-14-dev ccache pkg-config \
  libboost-context-dev libboost-dev libabsl-dev librocksdb-dev \
  libgtest-dev libgmock-dev libbenchmark-dev liblua5.1-0-dev lua-cjson lua-bitop \
  libhiredis-dev redis-server redis-tools gnuplot-nox golang-go procps

BUILD      ?= build
BUILD_TSAN ?= build-tsan
BUILD_FUZZ ?= build-fuzz
JOBS       ?= $(shell nproc)
CMAKE_GEN  := -G Ninja

.PHONY: all deps build run test test-unit test-tsan test-fuzz bench clean

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

# Every test: the Release suite, the runtime under TSan, the fuzzers under ASan+UBSan.
test: build
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-tsan
	$(MAKE) --no-print-directory test-fuzz

test-unit:
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 600

test-tsan: deps
	cmake -S . -B $(BUILD_TSAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSTOCKD_SANITIZER=thread -DSTOCKD_ONLY_RUNTIME=ON >/dev/null
	cmake --build $(BUILD_TSAN) -j $(JOBS)
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  ctest --test-dir $(BUILD_TSAN) --output-on-failure -j $(JOBS) --timeout 600

test-fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(BUILD_FUZZ) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSTOCKD_FUZZ=ON -DSTOCKD_SANITIZER=address >/dev/null
	cmake --build $(BUILD_FUZZ) -j $(JOBS)
	ctest --test-dir $(BUILD_FUZZ) --output-on-failure --timeout 900

bench: build
	./bench/runtime-vs-go.sh

clean:
	rm -rf $(BUILD) $(BUILD_TSAN) $(BUILD_FUZZ)
