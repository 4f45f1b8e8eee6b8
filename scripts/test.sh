#!/usr/bin/env bash
# Sets up what is missing and runs every test tier; exits non-zero on any failure:
#   1. native `cargo test` (domain, the harness) and the end-to-end suites (real Chromium against
#      the release build, the scripted fake provider and the real local model);
#   2. component tests with wasm-bindgen-test in headless Chromium, built and run while 1 runs.
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
  if [ -n "$build_pid" ]; then kill -TERM "$build_pid" 2>/dev/null || true; fi
  if [ -n "$model_pgid" ]; then kill -TERM -- "-$model_pgid" 2>/dev/null || true; fi
  if [ -n "$tier13_pid" ]; then kill -TERM "$tier13_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export PW_LOCAL_MODEL_URL=http://127.0.0.1:8081/v1
if ! curl -fsS -m 2 "$PW_LOCAL_MODEL_URL/models" >/dev/null 2>&1; then
  echo "[test] starting the local model on 127.0.0.1:8081"
  setsid bash scripts/local-model.sh 8081 >"$PW_ARTIFACTS/local-model.log" 2>&1 &
  model_pgid=$!
fi

# The release build spends most of its time on one core (one codegen unit, LTO): the native
# test build uses the other one meanwhile. They lock different build directories
# (target/wasm32-unknown-unknown/release vs target/debug), so neither waits for the other.
echo "[test] building the release app (trunk build --release) and, meanwhile, the native tests"
build_log="$PW_ARTIFACTS/test-build.log"
cargo test --workspace --locked --no-run >"$build_log" 2>&1 &
build_pid=$!
trunk_rc=0
trunk build --release || trunk_rc=$?
build_rc=0
wait "$build_pid" || build_rc=$?
build_pid=""
echo "[test] the native tests and end-to-end suites built:"
cat "$build_log"
[ "$trunk_rc" = 0 ] || { echo "[test] the release build failed" >&2; exit "$trunk_rc"; }
[ "$build_rc" = 0 ] || { echo "[test] the test build failed" >&2; exit "$build_rc"; }

for _ in $(seq 1 120); do
  curl -fsS -m 2 "$PW_LOCAL_MODEL_URL/models" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS -m 2 "$PW_LOCAL_MODEL_URL/models" >/dev/null || { echo "[test] the local model did not start" >&2; tail -20 "$PW_ARTIFACTS/local-model.log" >&2; exit 1; }

# Tiers 1 and 3 mostly wait on browsers, timers and the local model, and cargo holds the build
# lock only while it builds: tier 2 builds and runs at the same time (its output is shown after).
echo "[test] tier 1 + 3: native tests and end-to-end suites (tier 2 builds and runs meanwhile)"
cargo test --workspace --locked -- --test-threads=2 &
tier13_pid=$!
# Give tiers 1 + 3 the build lock first: they need no build, so they let go of it at once. (Should
# they start later than that, they wait for tier 2's build: no worse than one after the other.)
sleep 5
tier2_log="$PW_ARTIFACTS/component-tests.log"
tier2_rc=0
cargo test --locked --target wasm32-unknown-unknown --test component --test local_model \
  >"$tier2_log" 2>&1 || tier2_rc=$?
tier13_rc=0
wait "$tier13_pid" || tier13_rc=$?
tier13_pid=""
echo "[test] tier 2: component tests in headless Chromium"
cat "$tier2_log"
[ "$tier13_rc" = 0 ] || { echo "[test] tier 1 or 3 failed" >&2; exit "$tier13_rc"; }
[ "$tier2_rc" = 0 ] || { echo "[test] tier 2 failed" >&2; exit "$tier2_rc"; }

echo "[test] all tiers passed; screenshots in $PW_ARTIFACTS"
