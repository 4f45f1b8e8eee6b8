#!/usr/bin/env bash
# Builds the release app and prints the bench table (sizes raw/gzip/brotli, time to first render).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PW_ROOT"
bash scripts/setup.sh web browser
trunk build --release >/dev/null
cargo run --quiet --locked -p pw-harness --bin bench -- "$@"
