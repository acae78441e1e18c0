"""``quiltkit relayer run|migrate|status``: attached to the ``quiltkit`` command through the
``quiltkit.commands`` entry point, so the SDK's CLI never imports the relayer."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from quiltkit.exceptions import InvalidInput
from quiltkit.relayer_client import DEFAULT_URL, request

from quiltkit_relayer.config import ConfigError, RelayerSettings, load_settings

__all__ = ["relayer"]

_url_option = click.option("--url", default=DEFAULT_URL, show_default=True, envvar="QUILTKIT_RELAYER_URL")
_key_option = click.option("--api-key", default=None, envvar="QUILTKIT_RELAYER_API_KEY", help="X-API-Key, if set.")
_config_option = click.option(
    "--config", "config", default=None, envvar="QUILTKIT_RELAYER_CONFIG", help="Relayer config file (.toml/.yaml)."
)


def _settings(config: str | None) -> RelayerSettings:
    try:
        return load_settings(config)
    except ConfigError as exc:
        raise InvalidInput(str(exc)) from None


@click.group()
def relayer() -> None:
    """Run and inspect the payout relayer."""


@relayer.command("run")
@_config_option
def relayer_run(config: str | None) -> None:
    """Run the relayer (API, pipeline, keeper) until SIGTERM; migrates the store first."""
    from quiltkit_relayer.daemon import run

    run(_settings(config))


@relayer.command("migrate")
@_config_option
@click.option("--database-url", default=None, help="Migrate this database instead of the configured one.")
def relayer_migrate(config: str | None, database_url: str | None) -> None:
    """Bring the relayer's store schema up to date (idempotent)."""
    from quiltkit_relayer.store import Store

    url = database_url or _settings(config).database_url
    store = Store(url)
    store.migrate()
    click.echo(
        f"store at {store.engine.url.render_as_string(hide_password=True)} is at revision {store.schema_revision()}"
    )


@relayer.command("status")
@_url_option
@_key_option
def relayer_status(url: str, api_key: str | None) -> None:
    """Readiness checks and intent counts of a running relayer."""
    base = url.rstrip("/")
    _, ready = request("GET", f"{base}/readyz", None)
    status, listing = request("GET", f"{base}/intents?limit=1", api_key)
    counts: Any = listing.get("counts") if status == 200 and isinstance(listing, dict) else listing
    status, badges = request("GET", f"{base}/badges?limit=1", api_key)
    badge_counts: Any = badges.get("counts") if status == 200 and isinstance(badges, dict) else badges
    click.echo(json.dumps({"readiness": ready, "intents": counts, "badges": badge_counts}, indent=2))
    if not (isinstance(ready, dict) and ready.get("ready")):
        sys.exit(1)
