#!/usr/bin/env bash
# Sets up what is missing and runs every test tier; exits non-zero on any failure:
#   1. native `cargo test` (domain, the harness) and the end-to-end suites (real Chromium against
#      the release build, the scripted fake provider and the real local model);
#   2. component tests with wasm-bindgen-test in headless Chromium.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PW_ROOT"
bash scripts/setup.sh all
export CHROMEDRIVER=/usr/bin/chromedriver
export WASM_BINDGEN_TEST_TIMEOUT=120
export PW_ARTIFACTS="$PW_ROOT/artifacts"
mkdir -p "$PW_ARTIFACTS"

model_pgid=""
cleanup() {
  if [ -n "$model_pgid" ]; then kill -TERM -- "-$model_pgid" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export PW_LOCAL_MODEL_URL=http://127.0.0.1:8081/v1
if ! curl -fsS -m 2 "$PW_LOCAL_MODEL_URL/models" >/dev/null 2>&1; then
  echo "[test] starting the local model on 127.0.0.1:8081"
  setsid bash scripts/local-model.sh 8081 >"$PW_ARTIFACTS/local-model.log" 2>&1 &
  model_pgid=$!
fi

echo "[test] building the release app (trunk build --release)"
trunk build --release

for _ in $(seq 1 120); do
  curl -fsS -m 2 "$PW_LOCAL_MODEL_URL/models" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS -m 2 "$PW_LOCAL_MODEL_URL/models" >/dev/null || { echo "[test] the local model did not start" >&2; tail -20 "$PW_ARTIFACTS/local-model.log" >&2; exit 1; }

echo "[test] tier 1 + 3: native tests and end-to-end suites"
cargo test --workspace --locked -- --test-threads=2

echo "[test] tier 2: component tests in headless Chromium"
cargo test --locked --target wasm32-unknown-unknown --test component --test local_model

echo "[test] all tiers passed; screenshots in $PW_ARTIFACTS"
