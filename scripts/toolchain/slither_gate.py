"""Fail on slither findings of impact High or Medium that slither.triage.json does not accept.

python scripts/toolchain/slither_gate.py slither-report.json slither.triage.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(report_path: str, triage_path: str) -> int:
    report = json.loads(Path(report_path).read_text())
    accepted = json.loads(Path(triage_path).read_text())["accepted"]
    findings = report.get("results", {}).get("detectors", [])
    untriaged, used = [], set()
    for finding in findings:
        if finding["impact"] not in ("High", "Medium"):
            continue
        matches = (i for i, a in enumerate(accepted) if a["check"] == finding["check"])
        rule = next((i for i in matches if accepted[i]["match"] in finding["description"]), None)
        if rule is None:
            untriaged.append(finding)
        else:
            used.add(rule)
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding["impact"]] = counts.get(finding["impact"], 0) + 1
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "none"
    print(f"slither: {len(findings)} findings ({summary}); {len(used)} triage rules used")
    for i, stale in enumerate(accepted):
        if i not in used:
            print(f"slither: triage rule no longer matches anything (remove it): {stale['check']} / {stale['match']}")
    for finding in untriaged:
        first = finding["description"].strip().splitlines()[0]
        print(f"slither: UNTRIAGED {finding['impact']} {finding['check']}: {first}", file=sys.stderr)
    return 1 if untriaged else 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]))
