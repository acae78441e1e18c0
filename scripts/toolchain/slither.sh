#!/usr/bin/env bash
# Static analysis of contracts/ with slither, from the analysis venv (scripts/toolchain/analysis_venv.sh).
# High/Medium findings must be fixed or accepted with a reason in slither.triage.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/toolchain/analysis_venv.sh
report=.build/slither-report.json
mkdir -p .build && rm -f "$report"
# slither reads Solidity build-info only (the Vyper house's build-info has no AST it can parse),
# so the Solidity sources are built here, into their own output directory, without the .vy files.
# From scratch: slither reads every build-info file there, and stale ones would report old code.
rm -rf .build/slither
FOUNDRY_OUT=.build/slither/out FOUNDRY_CACHE_PATH=.build/slither/cache \
  forge build --build-info --skip './tests/forge/**' './scripts/forge/**' '*.vy' > /dev/null
# Exit status is ignored: slither exits non-zero whenever it finds anything; the gate decides.
.venv-analysis/bin/slither . \
  --compile-force-framework foundry --foundry-ignore-compile --foundry-out-directory .build/slither/out \
  --filter-paths "node_modules|tests/|contracts/testing" \
  --json "$report" > .build/slither-report.txt 2>&1 || true
if [ ! -s "$report" ]; then
  echo "slither: no report produced; see .build/slither-report.txt" >&2
  tail -20 .build/slither-report.txt >&2
  exit 1
fi
.venv/bin/python scripts/toolchain/slither_gate.py "$report" slither.triage.json
