#!/usr/bin/env python3
"""Trunk post-build hook: adds a Content-Security-Policy to the built index.html.

Trunk writes its loader as an inline module script whose text changes with every build, so the
policy allows exactly that script by its SHA-256 hash (no 'unsafe-inline'). Everything else:
only this origin, WebAssembly compilation, and model calls to https hosts or this computer.
"""
import base64
import hashlib
import os
import re
import sys

staging = os.environ.get("TRUNK_STAGING_DIR") or (sys.argv[1] if len(sys.argv) > 1 else "dist")
path = os.path.join(staging, "index.html")
html = open(path, encoding="utf-8").read()

hashes = []
for m in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S):
    digest = hashlib.sha256(m.group(1).encode("utf-8")).digest()
    hashes.append("'sha256-%s'" % base64.b64encode(digest).decode())

local = "http://127.0.0.1:* http://localhost:* http://[::1]:* ws://127.0.0.1:* ws://localhost:*"
policy = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval' " + " ".join(hashes),
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    # Model providers are called straight from the page: any https API (presets and custom
    # OpenAI-compatible endpoints) and servers on this computer (llama.cpp, Ollama, LM Studio).
    "connect-src 'self' https: " + local,
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
])
meta = '<meta http-equiv="Content-Security-Policy" content="%s">' % policy
html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
# Right after <meta charset> (the minified page has no <head> tag).
html = re.sub(r"(<meta charset=[^>]*>)", lambda m: m.group(1) + meta, html, count=1, flags=re.I)
if meta not in html:
    sys.exit("csp_hook: no <meta charset> in " + path)
open(path, "w", encoding="utf-8").write(html)
