"""GitHub's published webhook example payloads (npm ``@octokit/webhooks-examples``, pinned in package.json).

The webhook tests and the demo feed the relayer these payloads, not hand-made ones.
``api.github.com/index.json`` is a list of ``{name, description, actions, properties, examples}``
entries, one per event; each example is a payload exactly as GitHub delivers it.

GitHub publishes ``pull_request`` ``closed`` examples only for an *unmerged* pull request.
:func:`as_merged` turns one into the payload of the same pull request merged, changing only the
fields a merge changes (and the body, which a bounty mapping by issue needs); see its docstring.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

__all__ = ["EXAMPLES_ENV", "PACKAGE", "as_merged", "examples_file", "published_example"]

PACKAGE = "@octokit/webhooks-examples"
EXAMPLES_ENV = "QUILTKIT_WEBHOOK_EXAMPLES"
"""Path of ``api.github.com/index.json``, if it is not under a ``node_modules`` above the working directory."""

_INDEX = Path("node_modules") / PACKAGE / "api.github.com" / "index.json"


def examples_file() -> Path:
    """The package's ``api.github.com/index.json`` (``$QUILTKIT_WEBHOOK_EXAMPLES``, else found upwards)."""
    override = os.environ.get(EXAMPLES_ENV)
    if override:
        return Path(override)
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for directory in (start, *start.parents):
            candidate = directory / _INDEX
            if candidate.is_file():
                return candidate
    raise FileNotFoundError(
        f"GitHub's example payloads ({PACKAGE}) are not installed: run `npm ci` (make setup) in the "
        f"quiltkit checkout, or set {EXAMPLES_ENV} to its api.github.com/index.json"
    )


def published_example(event: str, action: str, index: int = 0) -> dict[str, Any]:
    """A fresh copy of GitHub's ``index``-th published example of ``event`` with ``action``."""
    entries = json.loads(examples_file().read_text())
    for entry in entries:
        if entry["name"] == event:
            matching = [e for e in entry["examples"] if e.get("action") == action]
            if index >= len(matching):
                raise LookupError(f"{PACKAGE} publishes {len(matching)} {event}.{action} example(s), not {index + 1}")
            example: dict[str, Any] = copy.deepcopy(matching[index])
            return example
    raise LookupError(f"{PACKAGE} has no {event!r} event")


def as_merged(
    closed: dict[str, Any],
    *,
    merged_at: str,
    merge_commit_sha: str | None = None,
    merged_by: dict[str, Any] | None = None,
    closes_issue: int | None = None,
) -> dict[str, Any]:
    """The published ``pull_request.closed`` payload ``closed`` as it reads when the PR was merged.

    A copy with exactly these fields changed, everything else as GitHub published it:

    - ``pull_request.merged``: ``true`` - the point of the event;
    - ``pull_request.merged_at``: ``merged_at`` - a merge time (the relayer hashes it as evidence);
    - ``pull_request.merge_commit_sha``: ``merge_commit_sha``, if given; otherwise the published
      value is kept (GitHub fills it for closed, unmerged PRs too, with the test merge commit);
    - ``pull_request.merged_by``: ``merged_by``, default the published ``sender`` (who closed it);
    - ``pull_request.body``: only if ``closes_issue`` is given, ``"\\r\\n\\r\\nCloses #N"`` is
      appended, so a bounty mapped to issue N of the repository matches (GitHub's closing keyword).

    The repository, the PR number and author, ``state``, ``closed_at`` and the rest are unchanged.
    """
    if closed.get("action") != "closed" or "pull_request" not in closed:
        raise ValueError("give a pull_request payload with action 'closed'")
    merged = copy.deepcopy(closed)
    pr = merged["pull_request"]
    pr["merged"] = True
    pr["merged_at"] = merged_at
    if merge_commit_sha is not None:
        pr["merge_commit_sha"] = merge_commit_sha
    pr["merged_by"] = copy.deepcopy(merged_by if merged_by is not None else merged["sender"])
    if closes_issue is not None:
        pr["body"] = f"{pr.get('body') or ''}\r\n\r\nCloses #{closes_issue}"
    return merged
