#!/usr/bin/env bash
# Sets up what is missing and runs every test tier; exits non-zero on any failure (each line it
# prints says the seconds since it started):
#   1. native unit tests (the domain), built and run while the release build runs;
#   2. component tests with wasm-bindgen-test in headless Chromium, built and run while 3 runs;
#   3. the invariants and the end-to-end suites (real Chromium against the release build, the
#      scripted fake provider and the real local model).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PW_ROOT"
bash scripts/setup.sh all
export CHROMEDRIVER=/usr/bin/chromedriver
# Per test binary, in seconds: the local-model suite shares 2 cores with the end-to-end suites
# and their browsers (113 s of a 120 s limit once, then over it).
export WASM_BINDGEN_TEST_TIMEOUT=300
export PW_ARTIFACTS="$PW_ROOT/artifacts"
mkdir -p "$PW_ARTIFACTS"

model_pgid=""
tier13_pid=""
build_pid=""
cleanup() {
  if [ -n "$build_pid" ]; then kill -TERM -- "-$build_pid" 2>/dev/null || true; fi
  if [ -n "$model_pgid" ]; then kill -TERM -- "-$model_pgid" 2>/dev/null || true; fi
  if [ -n "$tier13_pid" ]; then kill -TERM -- "-$tier13_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export PW_LOCAL_MODEL_URL=http://127.0.0.1:8081/v1
if ! curl -fsS -m 2 "$PW_LOCAL_MODEL_URL/models" >/dev/null 2>&1; then
  echo "[test ${SECONDS}s] starting the local model on 127.0.0.1:8081"
  # One thread: the browsers and builds keep both cores busy, and llama.cpp's threads stall
  # each other on a busy machine (scripts/local-model.sh).
  PW_LOCAL_MODEL_THREADS=${PW_LOCAL_MODEL_THREADS:-1} \
    setsid bash scripts/local-model.sh 8081 >"$PW_ARTIFACTS/local-model.log" 2>&1 &
  model_pgid=$!
else
  echo "[test ${SECONDS}s] using the local model already on 127.0.0.1:8081 (with its own thread count)"
fi

# The release build spends most of its time on one core (one codegen unit, LTO): the native
# tests are built, then run, on the other one meanwhile. They lock different build directories
# (target/wasm32-unknown-unknown/release vs target/debug), so neither waits for the other.
echo "[test ${SECONDS}s] building the release app (trunk build --release); meanwhile, building and running the native tests"
build_log="$PW_ARTIFACTS/test-build.log"
native_log="$PW_ARTIFACTS/native-tests.log"
built="$PW_ARTIFACTS/.tests-built"
rm -f "$built"
# Tier 1: the unit tests (the domain's; the harness's binaries have none), with the same
# `--workspace` selection as the build, so nothing is built again with other features. In its own
# process group, so that a stopped run stops it too.
setsid bash -c '
  cargo test --workspace --locked --no-run >"$1" 2>&1 || exit 10
  touch "$2"
  cargo test --workspace --locked --lib --bins -- --test-threads=2 >"$3" 2>&1 || exit 11
' _ "$build_log" "$built" "$native_log" &
build_pid=$!
trunk_rc=0
trunk build --release || trunk_rc=$?
[ "$trunk_rc" = 0 ] || { echo "[test ${SECONDS}s] the release build failed" >&2; exit "$trunk_rc"; }

for _ in $(seq 1 120); do
  curl -fsS -m 2 "$PW_LOCAL_MODEL_URL/models" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS -m 2 "$PW_LOCAL_MODEL_URL/models" >/dev/null || { echo "[test ${SECONDS}s] the local model did not start" >&2; tail -20 "$PW_ARTIFACTS/local-model.log" >&2; exit 1; }

# The end-to-end suites need the test build: wait for it (the native tests may still run).
while [ ! -e "$built" ] && kill -0 "$build_pid" 2>/dev/null; do
  sleep 1
done
if [ ! -e "$built" ]; then
  wait "$build_pid" || true
  build_pid=""
  cat "$build_log"
  echo "[test ${SECONDS}s] the test build failed" >&2
  exit 1
fi
echo "[test ${SECONDS}s] the native tests and end-to-end suites built:"
cat "$build_log"

# Tier 3 mostly waits on browsers, timers and the local model, and cargo holds the build lock
# only while it builds: tier 2 builds and runs at the same time (its output is shown after).
echo "[test ${SECONDS}s] tier 3: end-to-end suites (tier 2 builds and runs meanwhile; tier 1 may still run)"
# Two binaries at a time, two tests each (scripts/run-suites.sh); in its own process group, so
# that a stopped run stops its tests too.
setsid bash scripts/run-suites.sh &
tier13_pid=$!
# Give tier 3 the build lock first: it needs no build, so it lets go of it at once. (Should it
# start later than that, it waits for tier 2's build: no worse than one after the other.)
sleep 5
tier2_log="$PW_ARTIFACTS/component-tests.log"
tier2_rc=0
cargo test --locked --target wasm32-unknown-unknown --test component --test local_model \
  >"$tier2_log" 2>&1 || tier2_rc=$?
echo "[test ${SECONDS}s] tier 2 ended (exit $tier2_rc); waiting for tier 3"
tier13_rc=0
wait "$tier13_pid" || tier13_rc=$?
tier13_pid=""
native_rc=0
wait "$build_pid" || native_rc=$?
build_pid=""
echo "[test ${SECONDS}s] tier 1: native tests (run during the release build)"
cat "$native_log"
echo "[test ${SECONDS}s] tier 2: component tests in headless Chromium"
cat "$tier2_log"
[ "$native_rc" = 0 ] || { echo "[test ${SECONDS}s] tier 1 failed" >&2; exit 1; }
[ "$tier13_rc" = 0 ] || { echo "[test ${SECONDS}s] tier 3 failed" >&2; exit "$tier13_rc"; }
[ "$tier2_rc" = 0 ] || { echo "[test ${SECONDS}s] tier 2 failed" >&2; exit "$tier2_rc"; }

echo "[test ${SECONDS}s] all tiers passed; screenshots in $PW_ARTIFACTS"
