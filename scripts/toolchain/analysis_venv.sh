#!/usr/bin/env bash
# The analysis venv (.venv-analysis: slither, halmos), kept apart from .venv because these tools
# move pins that ape needs. Installs requirements/analysis.lock once; reinstalls when it changes.
set -euo pipefail
cd "$(dirname "$0")/../.."
inputs=$(sha256sum < requirements/analysis.lock | cut -d' ' -f1)
if [ ! -x .venv-analysis/bin/halmos ] || [ "$(cat .cache/stamps/analysis 2>/dev/null)" != "$inputs" ]; then
  echo "analysis: installing the analysis venv (slither, halmos)"
  [ -x .venv-analysis/bin/python ] || python3 -m venv .venv-analysis
  .venv/bin/uv pip sync --quiet --python .venv-analysis/bin/python requirements/analysis.lock
  mkdir -p .cache/stamps && printf '%s' "$inputs" > .cache/stamps/analysis
fi
