#!/usr/bin/env bash
# Sets up what is missing, builds, and serves Promptwright on http://127.0.0.1:8080, with the
# embedded local model on http://127.0.0.1:8081 (built on first use; the page does not wait for it).
# Ctrl-C stops both.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PW_ROOT"
bash scripts/setup.sh web

model_pgid=""
cleanup() {
  if [ -n "$model_pgid" ]; then kill -TERM -- "-$model_pgid" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if curl -fsS -m 2 http://127.0.0.1:8081/v1/models >/dev/null 2>&1; then
  echo "[serve] a local model already answers on 127.0.0.1:8081; using it"
else
  echo "[serve] starting the local model in the background (the first time it is built: ~10 min)"
  mkdir -p "$PW_TOOLS/logs"
  setsid bash scripts/local-model.sh 8081 >"$PW_TOOLS/logs/local-model.log" 2>&1 &
  model_pgid=$!
  echo "[serve] local model log: $PW_TOOLS/logs/local-model.log"
fi

echo "[serve] building and serving the app on http://127.0.0.1:8080"
trunk serve --release
