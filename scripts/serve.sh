#!/usr/bin/env bash
# Sets up what is missing, builds, and serves Promptwright on http://127.0.0.1:8080, with the
# embedded local model on http://127.0.0.1:8081 (built on first use; the page does not wait for it).
# Says when each is ready, restarts the local model if it stops (unless it stopped 4 times in 10
# minutes), and Ctrl-C stops both.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PW_ROOT"
bash scripts/setup.sh web

pids=()
model_pgid=""
cleanup() {
  if [ -n "$model_pgid" ]; then kill -TERM -- "-$model_pgid" 2>/dev/null || true; fi
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\033[1;32m[serve]\033[0m %s\n' "$*"; }
answers() { curl -fsS -m 2 "$1" >/dev/null 2>&1; }

if answers http://127.0.0.1:8081/v1/models; then
  say "a local model already answers on 127.0.0.1:8081; using it"
else
  if [ -x "$PW_LLAMA_SERVER" ] && [ -f "$PW_LLAMA_SERVER.ok" ]; then
    say "starting the local model in the background"
  else
    say "starting the local model in the background (built the first time: about 10 minutes on 2 cores)"
  fi
  mkdir -p "$PW_TOOLS/logs"
  log="$PW_TOOLS/logs/local-model.log"
  say "local model log: $log"
  # Kept running: a model that stops (killed, out of memory) is started again; one that stops
  # 4 times within 10 minutes keeps failing, and is left stopped (tryout 11: the limit was 3
  # restarts a session, so a long session ran out of them).
  # (Its shell's own notes, such as bash's "Killed", go to the log.)
  setsid bash -c '
    stops=()
    first=1
    while :; do
      bash scripts/local-model.sh 8081 >>"$1" 2>&1 &
      model=$!
      if [ "$first" = 0 ]; then
        (
          until curl -fsS -m 2 http://127.0.0.1:8081/v1/models >/dev/null 2>&1; do sleep 2; done
          printf "\033[1;32m[serve]\033[0m the local model is ready again\n"
        ) &
      fi
      first=0
      wait "$model" && exit 0
      now=$(date +%s)
      recent=()
      for t in "${stops[@]}" "$now"; do
        [ $((now - t)) -lt 600 ] && recent+=("$t")
      done
      stops=("${recent[@]}")
      if [ "${#stops[@]}" -ge 4 ]; then
        printf "\033[1;31m[serve]\033[0m the local model stopped 4 times in 10 minutes; start it by hand with: bash scripts/local-model.sh\n"
        exit 1
      fi
      printf "\033[1;33m[serve]\033[0m the local model stopped (see %s); starting it again\n" "$1"
      sleep 3
    done
  ' _ "$log" 2>>"$log" &
  model_pgid=$!
fi

# Say once when each answers (the page itself shows "Local model ready" too).
(
  until answers http://127.0.0.1:8081/v1/models; do sleep 2; done
  say "the local model is ready on http://127.0.0.1:8081"
) &
pids+=($!)
(
  until answers http://127.0.0.1:8080/; do sleep 2; done
  say "the app is ready: open http://127.0.0.1:8080"
) &
pids+=($!)

say "building the app (a release build: a few minutes the first time, with quiet stretches while"
say "it optimizes); it is served on http://127.0.0.1:8080 once built, and this says when."
say "(\"Failed to minify JS\" from Trunk is harmless: wasm-bindgen's loader is kept as it is.)"
# In the background and waited for, so a TERM (not only Ctrl-C) stops it and the model at once.
# Trunk lists the server under every name of this machine (`vm.`, `localhost.`…), which may not
# resolve (tryout 117): only its 127.0.0.1 line is shown, the address it listens on (Trunk.toml).
only_local() {
  local line
  while IFS= read -r line; do
    case $line in
      *http://127.0.0.1:8080/*) ;;
      *http://*:8080/*) continue ;;
    esac
    printf '%s\n' "$line"
  done
}
trunk serve --release > >(only_local) 2>&1 &
pids+=($!)
wait "${pids[-1]}"
