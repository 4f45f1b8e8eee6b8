#!/usr/bin/env bash
# Runs the embedded local model (llama-server + SmolLM2-135M-Instruct) on 127.0.0.1 in the foreground.
# Usage: scripts/local-model.sh [PORT]   (default 8081; the app looks there)
set -euo pipefail
source "$(dirname "$0")/env.sh"
port=${1:-8081}
bash "$PW_ROOT/scripts/setup.sh" model
# 4 parallel slots of 8192 tokens each; a thread per core, or PW_LOCAL_MODEL_THREADS. On a
# machine busy with other work (the test command's browsers and builds) fewer threads are
# faster: llama.cpp's threads wait for each other at every step, and one of them descheduled
# stalls the rest (measured on 2 busy cores: 1 thread 24-32 tokens/s, 2 threads 11-16).
threads=${PW_LOCAL_MODEL_THREADS:-$(nproc)}
exec "$PW_LLAMA_SERVER" -m "$PW_MODEL" --host 127.0.0.1 --port "$port" \
  --ctx-size 32768 --parallel 4 --threads "$threads" --alias SmolLM2-135M-Instruct --log-disable
