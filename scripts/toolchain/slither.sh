#!/usr/bin/env bash
# Static analysis of contracts/ with slither, in its own venv (slither moves pins that ape needs).
# High/Medium findings must be fixed or accepted with a reason in slither.triage.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
inputs=$(cat requirements/analysis.lock | sha256sum | cut -d' ' -f1)
if [ ! -x .venv-analysis/bin/slither ] || [ "$(cat .cache/stamps/analysis 2>/dev/null)" != "$inputs" ]; then
  echo "slither: installing the analysis venv"
  [ -x .venv-analysis/bin/python ] || python3 -m venv .venv-analysis
  .venv/bin/uv pip sync --quiet --python .venv-analysis/bin/python requirements/analysis.lock
  mkdir -p .cache/stamps && printf '%s' "$inputs" > .cache/stamps/analysis
fi
report=.build/slither-report.json
mkdir -p .build && rm -f "$report"
# Exit status is ignored: slither exits non-zero whenever it finds anything; the gate decides.
.venv-analysis/bin/slither . \
  --compile-force-framework foundry --foundry-out-directory .build/forge/out \
  --filter-paths "node_modules|tests/|contracts/testing" \
  --json "$report" > .build/slither-report.txt 2>&1 || true
if [ ! -s "$report" ]; then
  echo "slither: no report produced; see .build/slither-report.txt" >&2
  tail -20 .build/slither-report.txt >&2
  exit 1
fi
.venv/bin/python scripts/toolchain/slither_gate.py "$report" slither.triage.json
