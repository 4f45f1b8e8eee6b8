#!/usr/bin/env bash
# Runs the embedded local model (llama-server + SmolLM2-135M-Instruct) on 127.0.0.1 in the foreground.
# Usage: scripts/local-model.sh [PORT]   (default 8081; the app looks there)
set -euo pipefail
source "$(dirname "$0")/env.sh"
port=${1:-8081}
bash "$PW_ROOT/scripts/setup.sh" model
# 4 parallel slots of 8192 tokens each; 2 threads (this machine has 2 cores).
exec "$PW_LLAMA_SERVER" -m "$PW_MODEL" --host 127.0.0.1 --port "$port" \
  --ctx-size 32768 --parallel 4 --threads "$(nproc)" --alias SmolLM2-135M-Instruct --log-disable
