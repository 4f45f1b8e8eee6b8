#!/usr/bin/env python3
"""Where the bytes of the app's wasm go: code size by function, by crate and by part of the app.

Usage: python3 scripts/wasm_top.py [FILE.wasm] [N]

FILE needs its name section. Without FILE, this makes one the way Trunk builds the release: the
wasm-bindgen output of the last `trunk build --release` (in $CARGO_TARGET_DIR) through
`wasm-opt -Oz -g` (-g keeps the names; the code is what the release ships). N rows per table (25).

A function's size is its body in the code section, after inlining: code inlined into a function
counts for that function. Sizes are raw bytes (gzip takes about 40% of them).
"""
import collections
import os
import re
import subprocess
import sys
import tempfile

SECTIONS = {1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
            7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "datacount"}


def leb(b, i):
    """Reads an unsigned LEB128 at i: (value, next index)."""
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def read(data):
    """(section sizes, [(function index, body size)], {index: name})."""
    sizes = collections.Counter()
    bodies, names, imported = [], {}, 0
    i = 8
    while i < len(data):
        sid = data[i]
        n, i = leb(data, i + 1)
        body, i = data[i:i + n], i + n
        if sid == 0:
            nl, j = leb(body, 0)
            custom = body[j:j + nl].decode()
            sizes["custom:" + custom] += n
            j += nl
            while custom == "name" and j < len(body):
                sub = body[j]
                sz, j = leb(body, j + 1)
                if sub == 1:
                    cnt, k = leb(body, j)
                    for _ in range(cnt):
                        idx, k = leb(body, k)
                        ln, k = leb(body, k)
                        names[idx] = body[k:k + ln].decode("utf-8", "replace")
                        k += ln
                j += sz
            continue
        sizes[SECTIONS.get(sid, str(sid))] += n
        if sid == 2:  # imports: functions among them take the first indices
            cnt, j = leb(body, 0)
            for _ in range(cnt):
                for _ in range(2):
                    ln, j = leb(body, j)
                    j += ln
                kind = body[j]
                j += 1
                if kind == 0:
                    _, j = leb(body, j)
                    imported += 1
                elif kind in (1, 2):  # table (reftype, limits) or memory (limits)
                    j += kind == 1
                    flags = body[j]
                    _, j = leb(body, j + 1)
                    if flags & 1:
                        _, j = leb(body, j)
                elif kind == 3:
                    j += 2
        elif sid == 10:
            cnt, j = leb(body, 0)
            for f in range(cnt):
                sz, j = leb(body, j)
                bodies.append((imported + f, sz))
                j += sz
    return sizes, bodies, names


def crate(name):
    m = re.match(r"[<&*(\[ ]*(?:dyn |mut |const )*([A-Za-z_]\w*)", name)
    return m.group(1) if m else "?"


def part(name):
    """Which part of the app a function belongs to (generic code by what it is instantiated with)."""
    has = lambda *xs: any(x in name for x in xs)
    if has("serde", "Deserialize", "Serialize", "Visitor"):
        return "serde impls on promptwright types" if "promptwright" in name else "serde / serde_json"
    if has("tachys", "leptos", "reactive_graph", "any_spawner", "or_poisoned"):
        for m in ("ui", "state"):
            if f"promptwright::{m}" in name:
                return f"leptos generics instantiated for promptwright::{m}"
        return "leptos / tachys / reactive_graph"
    m = re.search(r"promptwright::(\w+)(?:::(\w+))?", name)
    if m:
        return "promptwright::" + m.group(1) + ("::" + m.group(2) if m.group(1) == "domain" and m.group(2) else "")
    c = crate(name)
    if c in ("core", "alloc", "std", "hashbrown", "dlmalloc", "compiler_builtins"):
        return "std (core, alloc, hashbrown, dlmalloc)"
    return c


def table(title, counter, counts, code, n):
    print(f"\n## {title}\n\n| | bytes | share | functions |\n|---|---:|---:|---:|")
    for k, v in counter.most_common(n):
        print(f"| {k} | {v:,} | {100 * v / code:.1f}% | {counts[k]} |")


def main():
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    if len(sys.argv) > 1:
        path = sys.argv[1]
    else:
        target = os.environ.get("CARGO_TARGET_DIR", "target")
        src = os.path.join(target, "wasm-bindgen", "release", "promptwright_bg.wasm")
        path = os.path.join(tempfile.mkdtemp(), "named.wasm")
        subprocess.run(["wasm-opt", "-Oz", "-g", src, "-o", path], check=True)
    data = open(path, "rb").read()
    sizes, bodies, names = read(data)
    if not names:
        sys.exit(f"{path} has no name section: give a wasm built with names (wasm-opt -g)")
    code = sum(s for _, s in bodies)
    print(f"{path}: {len(data):,} bytes, {len(bodies):,} functions, code {code:,} bytes\n")
    print("| section | bytes |\n|---|---:|")
    for k, v in sizes.most_common(6):
        print(f"| {k} | {v:,} |")
    for title, key in (("By crate (first path of the name)", crate), ("By part of the app", part)):
        c, k = collections.Counter(), collections.Counter()
        for idx, s in bodies:
            name = key(names.get(idx, "?"))
            c[name] += s
            k[name] += 1
        table(title, c, k, code, n)
    print(f"\n## Largest functions\n\n| bytes | function |\n|---:|---|")
    for idx, s in sorted(bodies, key=lambda x: -x[1])[:n]:
        print(f"| {s:,} | `{names.get(idx, idx)[:140]}` |")


if __name__ == "__main__":
    main()
