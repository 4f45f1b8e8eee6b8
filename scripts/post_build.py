#!/usr/bin/env python3
"""Trunk post-build hook: adds a Content-Security-Policy to the built index.html, and writes the
service worker's precache list and cache name (sw.js) for this build.

Trunk writes its loader as an inline module script whose text changes with every build, so the
policy allows exactly that script by its SHA-256 hash (no 'unsafe-inline'). Everything else:
only this origin, WebAssembly compilation, and model calls to any https or http address (an http
address on the local network, such as vLLM or Ollama on another computer, is a deliberate choice; a
page served over https still cannot call one: the browser blocks mixed content, and the app says so
before the call).

The service worker precaches every file of the build on install, so the app opens with no network
after one online visit even when the browser's HTTP cache is cleared; the cache name carries a hash
of the build, and older builds' caches are dropped when a new worker activates.
"""
import base64
import hashlib
import os
import re
import shutil
import sys
import time

staging = os.environ.get("TRUNK_STAGING_DIR") or (sys.argv[1] if len(sys.argv) > 1 else "dist")
path = os.path.join(staging, "index.html")
html = open(path, encoding="utf-8").read()

hashes = []
for m in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S):
    digest = hashlib.sha256(m.group(1).encode("utf-8")).digest()
    hashes.append("'sha256-%s'" % base64.b64encode(digest).decode())

# (No http://[::1]:*: CSP's host-source grammar has no IPv6 literal, so Chromium reports it as an
# invalid source on every load; `http:` below already allows that address.)
local = "http://127.0.0.1:* http://localhost:* ws://127.0.0.1:* ws://localhost:*"
policy = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval' " + " ".join(hashes),
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    # Model providers are called straight from the page: any https API (presets and custom
    # OpenAI-compatible endpoints) and servers on this computer (llama.cpp, Ollama, LM Studio).
    # http: too, for servers on the local network (see the module docs).
    "connect-src 'self' https: http: " + local,
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

# The split release build (scripts/split/wasm-bindgen): the chunks and their loader go next to the
# main module, optimized like it (Trunk runs wasm-opt on the main module only; the wrapper on the
# chunks, meanwhile), and the loader
# imports the main module's JS by the name Trunk gave it. (scripts/split/wasm-bindgen names both
# by a hash of their contents.)
split_dir = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "wasm-split")
links = sorted(n for n in (os.listdir(split_dir) if os.path.isdir(split_dir) else [])
               if re.fullmatch(r"__wasm_split-[0-9a-f]+\.js", n))
if links:
    link = os.path.join(split_dir, links[-1])
    js = [n for n in os.listdir(staging) if re.fullmatch(r"promptwright(-[0-9a-f]+)?\.js", n)]
    if len(js) != 1:
        sys.exit("post_build: expected one promptwright JS in %s, found %s" % (staging, js))
    text = open(link, encoding="utf-8").read()
    text, n = re.subn(r'from "\./[^"]+\.js"', 'from "./%s"' % js[0], text, count=1)
    if n != 1:
        sys.exit("post_build: __wasm_split.js does not import the main module")
    # The chunk's fetch and compile (tryouts 70 and 72): the file is asked for with
    # cache: "no-cache" (a copy the HTTP cache kept, such as a host's page in its place, is
    # checked with the server, so Try again and a reload see a fixed file); a response that is
    # not ok names its status; 30 s without a byte ends the fetch with an error (the page then
    # offers Try again); and the module compiles from the whole download, whatever type the
    # host sends it as.
    text, n = re.subn(r"fetch\((new URL\([^()]*\))\)", r"pwFetch(\1)", text)
    if n == 0:
        sys.exit("post_build: the chunk loader has no fetch(new URL(...))")
    text, n = re.subn(r"WebAssembly\.instantiateStreaming\(src, imports\)",
                      "pwInstantiate(src, imports)", text)
    if n == 0:
        sys.exit("post_build: the chunk loader has no WebAssembly.instantiateStreaming(src, imports)")
    text += """
const PW_STALL_MS = 30000;
function pwFetch(url) {
    const ctl = new AbortController();
    const p = fetch(url, { cache: "no-cache", signal: ctl.signal });
    p.pwAbort = () => ctl.abort();
    return p;
}
function pwStall(abort) {
    let timer;
    const stalled = new Promise((_, reject) => {
        timer = setTimeout(() => {
            if (abort) abort();
            reject(new Error("the download stalled: no data for " + PW_STALL_MS / 1000 + " s"));
        }, PW_STALL_MS);
    });
    return [stalled, () => clearTimeout(timer)];
}
async function pwInstantiate(src, imports) {
    let [stalled, clear] = pwStall(src.pwAbort);
    const res = await Promise.race([src, stalled]).finally(clear);
    if (!res.ok) throw new Error("fetching " + res.url + ": HTTP " + res.status);
    const reader = res.body.getReader();
    const parts = [];
    let size = 0;
    for (;;) {
        [stalled, clear] = pwStall(src.pwAbort);
        const { done, value } = await Promise.race([reader.read(), stalled]).finally(clear);
        if (done) break;
        parts.push(value);
        size += value.length;
    }
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const part of parts) {
        bytes.set(part, at);
        at += part.length;
    }
    return WebAssembly.instantiate(bytes, imports);
}
"""
    open(os.path.join(staging, links[-1]), "w", encoding="utf-8").write(text)
    # The chunks were optimized by scripts/split/wasm-bindgen while Trunk optimized the main
    # module: wait for that, then put them in dist/.
    build_hash = re.fullmatch(r"__wasm_split-([0-9a-f]+)\.js", links[-1]).group(1)
    opt_dir = os.path.join(split_dir, "opt-" + build_hash)
    status = os.path.join(opt_dir, "status")
    waited = 0.0
    while not os.path.exists(status):
        if waited > 600:
            sys.exit("post_build: the chunks were not optimized within 10 minutes (%s)" % opt_dir)
        time.sleep(0.1)
        waited += 0.1
    if open(status, encoding="utf-8").read().strip() != "0":
        log = os.path.join(opt_dir, "log")
        sys.exit("post_build: wasm-opt failed on a chunk:\n%s"
                 % (open(log, encoding="utf-8", errors="replace").read() if os.path.exists(log) else ""))
    for name in sorted(os.listdir(split_dir)):
        if name.endswith(".wasm"):
            shutil.copyfile(os.path.join(opt_dir, name), os.path.join(staging, name))

# The service worker: the list of files to precache and a cache name unique to this build.
sw_path = os.path.join(staging, "sw.js")
if os.path.exists(sw_path):
    files = []
    for root, _dirs, names in os.walk(staging):
        for name in names:
            rel = os.path.relpath(os.path.join(root, name), staging).replace(os.sep, "/")
            if rel in ("sw.js", "index.html") or rel.startswith("."):
                continue
            files.append(rel)
    files.sort()
    build = hashlib.sha256()
    for rel in ["index.html"] + files:
        with open(os.path.join(staging, rel), "rb") as f:
            build.update(rel.encode() + b"\0" + hashlib.sha256(f.read()).digest())
    sw = open(sw_path, encoding="utf-8").read()
    assets = "[" + ", ".join(['"./"'] + ['"./%s"' % f for f in files]) + "]"
    if "/*BUILD*/" not in sw or "/*ASSETS*/" not in sw:
        sys.exit("post_build: sw.js lacks the /*BUILD*/ or /*ASSETS*/ marker")
    sw = sw.replace('"/*BUILD*/"', '"%s"' % build.hexdigest()[:16]).replace("[/*ASSETS*/]", assets)
    open(sw_path, "w", encoding="utf-8").write(sw)
