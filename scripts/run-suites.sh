#!/usr/bin/env bash
# Runs test binaries straight (not through `cargo test`, which holds the build directory's lock
# while its tests run, so a build beside it would wait):
#   run-suites.sh          the integration test binaries (the invariants and the end-to-end
#                          suites): every test in its own process, several at a time, longest
#                          first (scripts/schedule_tests.py; PW_TEST_SLOTS tests at once, default 4)
#   run-suites.sh --unit   the unit test binaries (each crate's `--lib`; the binaries have no unit
#                          tests), whole, side by side
# One end-to-end test keeps about two thirds of a core busy (its browser's page, mostly: 119 s of
# Chromium's CPU in a 95 s run of one suite on 2 threads), so on 2 cores four tests at once keep
# both cores busy through the tests' waits on the fake provider.
#   PW_SUITE_JOBS     unit binaries at once (default 2)
#   PW_TEST_THREADS   tests at once in each unit binary (default 2)
#   PW_TEST_LIST      the output of `cargo test --workspace --no-run --message-format=json...`
#                     (else this asks cargo, which waits for any build running in target/debug)
# The unit binaries start longest first, by their times on this machine's last run (kept in
# $PW_TOOLS/suite-times-unit; a binary not in it counts as long); each one's output goes to
# $PW_ARTIFACTS/suite-<name>.log and is printed when it ends. Exits non-zero when any test
# failed, after every test has run. The tests that use the local model take turns
# (`pw_harness::local_model::one_at_a_time`, a file lock; the scheduler starts them one at a time).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PW_ROOT"
jobs=${PW_SUITE_JOBS:-2}
threads=${PW_TEST_THREADS:-2}
art=${PW_ARTIFACTS:-$PW_ROOT/artifacts}
mode=e2e
times="$PW_TOOLS/suite-times-unit"
[ "${1:-}" = --unit ] && mode=unit
mkdir -p "$art"

# name <TAB> package directory <TAB> executable, for every test binary of the mode: integration
# tests by their name, unit tests as lib-<crate> or bin-<name>.
if [ -n "${PW_TEST_LIST:-}" ]; then
  messages=$(cat "$PW_TEST_LIST")
else
  messages=$(cargo test --workspace --locked --no-run --message-format=json 2>/dev/null)
fi
list=$(python3 -c '
import json, os, sys
unit = sys.argv[1] == "unit"
for line in sys.stdin:
    if not line.startswith("{"):
        continue
    m = json.loads(line)
    if m.get("reason") != "compiler-artifact" or not m.get("executable") or not m["profile"]["test"]:
        continue
    kind = m["target"]["kind"]
    name = m["target"]["name"]
    if unit and kind != ["test"]:
        name = ("bin-" if kind == ["bin"] else "lib-") + name
    elif unit or kind != ["test"]:
        continue
    print(name, os.path.dirname(m["manifest_path"]), m["executable"], sep="\t")
' "$mode" <<<"$messages")
[ -n "$list" ] || { echo "[suites] no test binaries (did the build fail?)" >&2; exit 1; }

if [ "$mode" = e2e ]; then
  exec python3 "$PW_ROOT/scripts/schedule_tests.py" <<<"$list"
fi

# Longest first: last run's seconds, or 100000 for a binary with no time yet.
ordered=$(while IFS=$'\t' read -r name dir exe; do
  t=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' "$times" 2>/dev/null | tail -1)
  printf '%s\t%s\t%s\t%s\n' "${t:-100000}" "$name" "$dir" "$exe"
done <<<"$list" | sort -t$'\t' -k1,1nr | cut -f2-)

run_one() {
  local name=$1 dir=$2 exe=$3 start end rc=0
  start=$(date +%s)
  (cd "$dir" && "$exe" --test-threads="$threads") >"$art/suite-$name.log" 2>&1 || rc=$?
  end=$(date +%s)
  printf '%s\t%s\t%s\n' "$name" "$((end - start))" "$rc" >>"$results"
  # One binary's output at a time.
  flock "$results" bash -c 'echo "[suites] $1: exit $2 after $3 s"; cat "$4"' \
    _ "$name" "$rc" "$((end - start))" "$art/suite-$name.log"
  return "$rc"
}
export -f run_one
results="$art/suite-results-$mode"
rm -f "$results"
export threads art results

echo "[suites] $(wc -l <<<"$ordered") $mode test binaries, $jobs at a time, $threads tests each"
wall_start=$(date +%s)
rc=0
printf '%s\n' "$ordered" \
  | tr '\t' '\n' \
  | xargs -d '\n' -n 3 -P "$jobs" bash -c 'run_one "$@"' _ || rc=$?
echo "[suites] done in $(( $(date +%s) - wall_start )) s; seconds per binary:"
sort -t$'\t' -k2,2nr "$results" | awk -F'\t' '{ printf "  %-16s %4d s%s\n", $1, $2, ($3 == 0 ? "" : "  FAILED") }'
# Keep the times for the next run's order.
cut -f1,2 "$results" >"$times.tmp" && mv "$times.tmp" "$times"
[ "$rc" = 0 ] || { echo "[suites] some tests failed: see the output above" >&2; exit 1; }
