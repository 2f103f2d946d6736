# Jetstream: the two commands a new user needs are `make run` and `make test`.
# Everything else here is a convenience for developers.

BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
CC         ?= gcc
JOBS       ?= $(shell nproc)

.PHONY: all build run test test-quick deps bench clean format

all: build

deps:
	@scripts/deps.sh run

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
		-DCMAKE_C_COMPILER=$(CC) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Starts the platform in the foreground with its embedded defaults.
run: build
	./$(BUILD)/jetstream up

# Installs, builds with gcc and with clang (ASan + UBSan), runs every test,
# smoke-runs every fuzz target, and ends with a summary line.
test:
	@scripts/test.sh

# Only the gcc build and its tests: the inner loop while developing.
test-quick: build
	@cd $(BUILD) && ctest -j $(JOBS) --output-on-failure

bench:
	@scripts/deps.sh bench
	@bench/http.sh
	@bench/token.sh

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz
