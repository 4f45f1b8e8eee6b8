# Shared paths for Promptwright's scripts (sourced, not run).
PW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Tools live outside the clone so that every fresh clone on this machine reuses them.
PW_TOOLS=${PW_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/promptwright}
# The native llama-server is tied to this CPU's features: key its build by them.
PW_CPU_KEY=$(grep -m1 '^flags' /proc/cpuinfo | md5sum | cut -c1-10)
PW_LLAMA_SERVER="$PW_TOOLS/bin/llama-server-$PW_CPU_KEY"
PW_MODEL="$PW_TOOLS/models/SmolLM2-135M-Instruct.Q4_1.gguf"
PW_AXE="$PW_TOOLS/axe/node_modules/axe-core/axe.min.js"
# One cargo target directory for every clone on this machine, cached like the tools: a fresh clone
# recompiles only Promptwright's own crates, not its dependencies.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PW_TOOLS/target}
# Cargo names a workspace crate's build the same in every clone and judges it fresh by file times,
# so a clone whose files are older than another clone's build would reuse that build (with the
# other clone's paths baked in). When the clone using the shared directory changes, its own
# sources are touched: Promptwright's crates are rebuilt, the dependencies are not. Only for that
# shared directory: the test command's own (`$PW_TOOLS/mirror-target`) is built by the mirror
# alone, and a script it runs from the clone (the unit tests, beside the release build) touched
# the clone's sources in the middle of the release build, which Trunk's second cargo call then
# compiled again (70 s).
mkdir -p "$CARGO_TARGET_DIR"
if [ "$CARGO_TARGET_DIR" = "$PW_TOOLS/target" ] \
  && [ "$(cat "$CARGO_TARGET_DIR/.promptwright-clone" 2>/dev/null)" != "$PW_ROOT" ]; then
  find "$PW_ROOT/src" "$PW_ROOT/tests" -type f -exec touch {} +
  printf '%s\n' "$PW_ROOT" >"$CARGO_TARGET_DIR/.promptwright-clone"
fi
# scripts/split first: Trunk's wasm-bindgen splits the release build's wasm (see the script).
export PATH="$PW_ROOT/scripts/split:$HOME/.cargo/bin:$PW_TOOLS/binaryen/node_modules/.bin:$PATH"
export PW_ROOT PW_TOOLS PW_LLAMA_SERVER PW_MODEL PW_AXE
