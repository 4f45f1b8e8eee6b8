#!/usr/bin/env bash
# Sets up what is missing and runs every test tier; exits non-zero on any failure (each line it
# prints says the seconds since it started):
#   1. native unit tests (the domain), built and run while the release build runs;
#   2. component tests with wasm-bindgen-test in headless Chromium, built likewise, run once the
#      release build is done;
#   3. the invariants and the end-to-end suites (real Chromium against the release build, the
#      scripted fake provider and the real local model), each test in its own process, four at a
#      time, longest first (scripts/schedule_tests.py).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PW_ROOT"
bash scripts/setup.sh all
export CHROMEDRIVER=/usr/bin/chromedriver

# The test binaries are built from this machine's mirror of the clone ($PW_TOOLS/mirror, written
# by scripts/mirror.py: only the files whose bytes changed) into a target directory of their own
# ($PW_TOOLS/mirror-target), not from the clone: rustc reuses an incremental build only in the
# folder that made it, so a fresh clone's test builds started from nothing. Only the mirror builds
# there, and its files change only with their bytes, so cargo's file times stay true. One test
# run at a time on a machine (a lock, closed for the processes started below).
exec 8>"$PW_TOOLS/.test.lock"
if ! flock -n 8; then
  echo "[test ${SECONDS}s] another test run on this machine is using $PW_TOOLS/mirror: waiting for it (at most an hour)"
  flock -w 3600 8 || { echo "[test ${SECONDS}s] the other test run did not end within an hour; see: fuser -v $PW_TOOLS/.test.lock" >&2; exit 1; }
fi
build_root="$PW_TOOLS/mirror/promptwright"
mirror_target="$PW_TOOLS/mirror-target"
mkdir -p "$build_root" "$mirror_target"
mirrored=$(python3 scripts/mirror.py "$PW_ROOT" "$build_root")
echo "[test ${SECONDS}s] the test build's copy of the clone ($build_root): $mirrored"
# The JSON Schema Test Suite is read from ../shared beside the repository.
if [ -d "$PW_ROOT/../shared" ]; then
  ln -sfn "$(cd "$PW_ROOT/../shared" && pwd)" "$PW_TOOLS/mirror/shared"
else
  rm -f "$PW_TOOLS/mirror/shared"
fi
# The end-to-end suites test this clone's release build.
export PW_DIST="$PW_ROOT/dist"
# Per test binary, in seconds: the local-model suite shares 2 cores with other tiers' builds and
# browsers (113 s of a 120 s limit once, then over it).
export WASM_BINDGEN_TEST_TIMEOUT=300
export PW_ARTIFACTS="$PW_ROOT/artifacts"
mkdir -p "$PW_ARTIFACTS"

model_pgid=""
build_pid=""
tier3_pid=""
cleanup() {
  if [ -n "$build_pid" ]; then kill -TERM -- "-$build_pid" 2>/dev/null || true; fi
  if [ -n "$tier3_pid" ]; then kill -TERM -- "-$tier3_pid" 2>/dev/null || true; fi
  if [ -n "$model_pgid" ]; then kill -TERM -- "-$model_pgid" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export PW_LOCAL_MODEL_URL=http://127.0.0.1:8081/v1
if ! curl -fsS -m 2 "$PW_LOCAL_MODEL_URL/models" >/dev/null 2>&1; then
  echo "[test ${SECONDS}s] starting the local model on 127.0.0.1:8081"
  # One thread: the browsers and builds keep both cores busy, and llama.cpp's threads stall
  # each other on a busy machine (scripts/local-model.sh).
  PW_LOCAL_MODEL_THREADS=${PW_LOCAL_MODEL_THREADS:-1} \
    setsid bash scripts/local-model.sh 8081 >"$PW_ARTIFACTS/local-model.log" 2>&1 8>&- &
  model_pgid=$!
else
  echo "[test ${SECONDS}s] using the local model already on 127.0.0.1:8081 (with its own thread count)"
fi

# The release build spends most of its time on one core (one codegen unit, LTO): meanwhile the
# native test binaries are built, then the unit tests (tier 1) run while the component tests
# (tier 2) build. The builds lock different build directories (target/*/release vs
# target/*/debug), and the tests run straight from their binaries (scripts/run-suites.sh), not
# through `cargo test`, which would hold target/debug's lock while they run.
echo "[test ${SECONDS}s] building the release app (trunk build --release); meanwhile, building the tests and running tier 1 (tier 2 runs once the app is built)"
build_log="$PW_ARTIFACTS/test-build.log"
test_list="$PW_ARTIFACTS/test-binaries.json"
native_log="$PW_ARTIFACTS/native-tests.log"
tier2_log="$PW_ARTIFACTS/component-tests.log"
built="$PW_ARTIFACTS/.tests-built"
rm -f "$built"
dist_built="$PW_ARTIFACTS/.dist-built"
rm -f "$dist_built"
# In its own process group, so that a stopped run stops it too. Tier 1 with the same `--workspace`
# selection as the build, so nothing is built again with other features. At a lower priority
# (nice 10; but a session of its own is scheduled as a whole beside the others, so the nice
# counts only inside it; so its whole session is given nice 10 too, by its autogroup, where the
# kernel groups sessions: /proc/self/autogroup, so that it takes from the release build only the
# core the build leaves idle). Tier 1 runs as soon as its binaries are built: the release build's compile keeps one core
# busy for about 80 s (one codegen unit, LTO), and this session gets the other (measured: the
# unit tests' ~37 CPU s had run beside the end-to-end suites, which are CPU-bound on 2 cores, for
# 93-132 s). Tier 2 runs once the release build is done: run while it was still going (its
# wasm-split and wasm-opt steps, two processes), tiers 1 and 2 took half the machine from it and
# the end-to-end suites, which wait for it, started 76 s later (184 s, against 108 s).
CARGO_TARGET_DIR="$mirror_target" nice -n 10 setsid bash -c '
  echo 10 >/proc/self/autogroup 2>/dev/null || true
  cd "$6"
  cargo test --workspace --locked --no-run --message-format=json-render-diagnostics \
    >"$2" 2>"$1" || exit 10
  touch "$3"
  (
    rc=0
    PW_TEST_LIST="$2" PW_SUITE_JOBS=1 bash "$PW_ROOT/scripts/run-suites.sh" --unit >"$4" 2>&1 || rc=$?
    # Cases proptest saved while failing, written in the mirror: kept in the clone too, to commit.
    python3 "$PW_ROOT/scripts/mirror.py" --back "$PW_ROOT" "$6" >>"$4" 2>&1 || rc=1
    exit "$rc"
  ) &
  tier1=$!
  tier2_rc=0
  if cargo test --locked --target wasm32-unknown-unknown --test component --test local_model --no-run \
    >"$5" 2>&1; then
    while [ ! -e "$7" ]; do sleep 1; done
    # Tier 2 needs the local model (its local_model tests call it).
    for _ in $(seq 1 120); do
      curl -fsS -m 2 "$PW_LOCAL_MODEL_URL/models" >/dev/null 2>&1 && break
      sleep 0.5
    done
    cargo test --locked --target wasm32-unknown-unknown --test component --test local_model \
      >>"$5" 2>&1 || tier2_rc=$?
  else
    tier2_rc=1
  fi
  unit_rc=0
  wait "$tier1" || unit_rc=$?
  [ "$unit_rc" = 0 ] || exit 11
  [ "$tier2_rc" = 0 ] || exit 12
' _ "$build_log" "$test_list" "$built" "$native_log" "$tier2_log" "$build_root" "$dist_built" 8>&- &
build_pid=$!
trunk_rc=0
trunk build --release 8>&- || trunk_rc=$?
[ "$trunk_rc" = 0 ] || { echo "[test ${SECONDS}s] the release build failed" >&2; exit "$trunk_rc"; }
touch "$dist_built"

for _ in $(seq 1 120); do
  curl -fsS -m 2 "$PW_LOCAL_MODEL_URL/models" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS -m 2 "$PW_LOCAL_MODEL_URL/models" >/dev/null || { echo "[test ${SECONDS}s] the local model did not start" >&2; tail -20 "$PW_ARTIFACTS/local-model.log" >&2; exit 1; }

# The end-to-end suites need the test build: wait for it (tiers 1 and 2 may still run).
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
echo "[test ${SECONDS}s] the tests built:"
cat "$build_log"

echo "[test ${SECONDS}s] tier 3: end-to-end suites (tiers 1 and 2 may still run)"
# Each test in its own process, four at a time (scripts/run-suites.sh); in its own process group, so
# that a stopped run stops its tests too.
PW_TEST_LIST="$test_list" setsid bash scripts/run-suites.sh 8>&- &
tier3_pid=$!
tier3_rc=0
wait "$tier3_pid" || tier3_rc=$?
tier3_pid=""
echo "[test ${SECONDS}s] tier 3 ended (exit $tier3_rc)"
tiers12_rc=0
wait "$build_pid" || tiers12_rc=$?
build_pid=""
echo "[test ${SECONDS}s] tier 1: unit tests (run beside the release build)"
cat "$native_log"
echo "[test ${SECONDS}s] tier 2: component tests in headless Chromium"
cat "$tier2_log"
[ "$tiers12_rc" != 11 ] || { echo "[test ${SECONDS}s] tier 1 failed" >&2; exit 1; }
[ "$tiers12_rc" != 12 ] || { echo "[test ${SECONDS}s] tier 2 failed" >&2; exit 1; }
[ "$tiers12_rc" = 0 ] || { echo "[test ${SECONDS}s] tiers 1 and 2 failed (exit $tiers12_rc)" >&2; exit 1; }
[ "$tier3_rc" = 0 ] || { echo "[test ${SECONDS}s] tier 3 failed" >&2; exit "$tier3_rc"; }

echo "[test ${SECONDS}s] all tiers passed; screenshots in $PW_ARTIFACTS"
