#!/usr/bin/env bash
# Symbolic tests: halmos runs every `check_` function of the *SymbolicTest suites (halmos.toml)
# with symbolic arguments, from the analysis venv. Extra arguments go to halmos
# (e.g. `scripts/toolchain/halmos.sh --match-test hashIntent`).
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/toolchain/analysis_venv.sh
# halmos drives `forge build` itself, which must find the project's solc (.cache/bin).
PATH="$PWD/.cache/bin:$PATH" exec .venv-analysis/bin/halmos "$@"
