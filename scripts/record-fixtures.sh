#!/usr/bin/env bash
# Records real streams from the local llama-server into src/domain/fixtures (see its README).
set -euo pipefail
source "$(dirname "$0")/env.sh"
url=${1:-http://127.0.0.1:8081}
out="$PW_ROOT/src/domain/fixtures"
curl -fsS -N "$url/v1/chat/completions" -H 'content-type: application/json' -d '{
  "model": "SmolLM2-135M-Instruct", "stream": true, "stream_options": {"include_usage": true},
  "temperature": 0, "max_tokens": 40,
  "messages": [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Name three colours."}]
}' >"$out/llama_openai_chat.sse"
curl -fsS -N "$url/v1/messages" -H 'content-type: application/json' -H 'anthropic-version: 2023-06-01' -d '{
  "model": "SmolLM2-135M-Instruct", "stream": true, "max_tokens": 40, "temperature": 0,
  "system": "You are terse.", "messages": [{"role": "user", "content": "Name three colours."}]
}' >"$out/llama_anthropic_messages.sse"
ls -l "$out"/*.sse
