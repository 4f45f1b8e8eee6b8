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
# The generate reply: the request body comes from the domain's own request builder.
request=$(mktemp)
(cd "$PW_ROOT" && PW_REQUEST_OUT="$request" cargo test --quiet --lib record_generate_request -- --ignored >/dev/null)
python3 - "$request" "$url" "$out/llama_generate_reply.json" <<'PY'
import json, sys, urllib.request
body = json.load(open(sys.argv[1])); body["stream"] = False; body.pop("stream_options", None)
req = urllib.request.Request(sys.argv[2] + "/v1/chat/completions", json.dumps(body).encode(), {"content-type": "application/json"})
reply = json.load(urllib.request.urlopen(req))
open(sys.argv[3], "w").write(reply["choices"][0]["message"]["content"])
PY
rm -f "$request"
