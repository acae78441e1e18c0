#!/usr/bin/env bash
# Idempotent project set-up: Python venv from requirements.lock, npm packages from
# package-lock.json, and the pinned solc made reachable for ape (py-solc-x) and forge.
# Each step is skipped when the stamp of its inputs is unchanged, so a no-op run takes ~1 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SOLC_VERSION=0.8.30
UV_VERSION=0.13.9
mkdir -p .cache/bin .cache/solcx .cache/stamps

say() { printf 'setup: %s\n' "$*"; }
digest() { cat "$@" | sha256sum | cut -d' ' -f1; }
fresh() { [ -f ".cache/stamps/$1" ] && [ "$(cat ".cache/stamps/$1")" = "$2" ]; }
stamp() { printf '%s' "$2" > ".cache/stamps/$1"; }

# --- Python -------------------------------------------------------------------------------
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "setup: Python 3.11 is required (found $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
py_inputs=$(digest requirements/dev.lock pyproject.toml)
if [ ! -x .venv/bin/python ] || ! fresh python "$py_inputs"; then
  say "installing Python dependencies into .venv"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  # Bytecode compiled once here: with PYTHONDONTWRITEBYTECODE set (as on these machines) every
  # Python process would otherwise compile web3, ape and the rest again (~2.5 s per relayer start).
  .venv/bin/uv pip sync --quiet --compile-bytecode --python .venv/bin/python requirements/dev.lock
  .venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps -e .
  stamp python "$py_inputs"
fi

# --- npm: solc, Foundry binaries, OpenZeppelin, forge-std ----------------------------------
npm_inputs=$(digest package-lock.json)
if [ ! -d node_modules ] || ! fresh npm "$npm_inputs"; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  stamp npm "$npm_inputs"
fi
for tool in forge anvil cast; do
  ln -sfn "$ROOT/node_modules/@foundry-rs/$tool-linux-amd64/bin/$tool" ".cache/bin/$tool"
done

# --- solc: a native binary of the pinned version if one is installed, else the npm build ---
solc_target="$ROOT/scripts/toolchain/solc.js"
native=$(command -v solc 2>/dev/null || true)
if [ -n "$native" ] && [ "$(readlink -f "$native")" != "$(readlink -f .cache/bin/solc 2>/dev/null)" ] \
   && "$native" --version 2>/dev/null | grep -q "Version: $SOLC_VERSION+.*Linux"; then
  solc_target=$(readlink -f "$native")
fi
ln -sfn "$solc_target" .cache/bin/solc
# py-solc-x (used by ape-solidity) looks for solc-v<version> in $SOLCX_BINARY_PATH.
ln -sfn "$solc_target" ".cache/solcx/solc-v$SOLC_VERSION"

# --- vyper: the pinned compiler from requirements/dev.lock, where forge and ape-vyper find it ---
# forge runs `vyper` by the path in foundry.toml ([vyper] path); ape-vyper imports the package.
ln -sfn "$ROOT/.venv/bin/vyper" .cache/bin/vyper
