"""Relayer configuration: a TOML or YAML file, overridden by ``QUILTKIT_RELAYER_*`` environment variables.

Nested settings use ``__`` in environment variable names (``QUILTKIT_RELAYER_GITHUB__WEBHOOK_SECRET``).
Everything is validated when the relayer starts; :class:`ConfigError` names each setting to fix,
both as the file key and as the environment variable.
"""

from __future__ import annotations

import os
import socket
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from quiltkit._types import Address, checksum, looks_like_secret, shown
from quiltkit.exceptions import InvalidAddress, PrivateKeyAsAddress

__all__ = [
    "ENV_PREFIX",
    "BadgeSettings",
    "BountyMapping",
    "ConfigError",
    "GithubSettings",
    "KeeperSettings",
    "RelayerSettings",
    "RetrySettings",
    "SorobanSettings",
    "load_settings",
]

ENV_PREFIX = "QUILTKIT_RELAYER_"
CONFIG_ENV = ENV_PREFIX + "CONFIG"
"""Environment variable naming the config file when none is passed on the command line."""

_config_file: ContextVar[Path | None] = ContextVar("quiltkit_relayer_config_file", default=None)


class ConfigError(ValueError):
    """The configuration is invalid; the message names each setting to fix."""


def payout_address(address: str) -> str:
    """An EVM address (checksummed) or a Stellar account (G...); ValueError for anything else."""
    from stellar_sdk import StrKey

    address = address.strip()
    if looks_like_secret(address):
        raise PrivateKeyAsAddress("a payout address")
    if address.startswith("G"):
        if not StrKey.is_valid_ed25519_public_key(address):
            raise ValueError(f"{shown(address)} is not a Stellar account (G...)")
        return address
    try:
        return checksum(address)
    except InvalidAddress:
        raise ValueError(f"{shown(address)} is neither an EVM address (0x...) nor a Stellar account (G...)") from None


class RetrySettings(BaseModel):
    """Retry policy of one pipeline stage: exponential backoff with full jitter."""

    model_config = ConfigDict(extra="forbid")

    base_s: float = Field(default=0.5, gt=0, description="First retry delay (seconds), before jitter.")
    max_s: float = Field(default=30.0, gt=0, description="Upper bound of a retry delay (seconds).")
    max_attempts: int = Field(default=50, ge=1, description="Attempts before the intent fails.")


class StageRetries(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verify: RetrySettings = RetrySettings()
    submit: RetrySettings = RetrySettings()
    confirm: RetrySettings = RetrySettings(base_s=1.0, max_s=15.0, max_attempts=1000)


class BountyMapping(BaseModel):
    """Which escrow milestone a repository's issue or pull request pays."""

    model_config = ConfigDict(extra="forbid")

    repo: str = Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", description="owner/name")
    issue: int | None = Field(default=None, gt=0, description="The issue a PR closes ('Closes #N').")
    pr: int | None = Field(default=None, gt=0, description="Or the pull request itself.")
    escrow_id: int = Field(ge=0, description="EVM escrow ids start at 1, Soroban ones at 0.")
    milestone: int = Field(default=0, ge=0)
    badge_type: int | None = Field(
        default=None,
        gt=0,
        description="A SoulboundBadge type (badges.contract) the contributor earns once this bounty's payout is "
        "confirmed: the verifiers' attestation travels with the payout intent (EVM only).",
    )

    @model_validator(mode="after")
    def _one_target(self) -> BountyMapping:
        if (self.issue is None) == (self.pr is None):
            raise ValueError("give exactly one of issue and pr")
        return self


class GithubSettings(BaseModel):
    """GitHub intake: webhook secret, bounty mappings and contributor addresses."""

    model_config = ConfigDict(extra="forbid")

    webhook_secret: SecretStr | None = Field(default=None, description="The webhook's secret (HMAC-SHA256 key).")
    bounties: list[BountyMapping] = Field(default_factory=list)
    payees: dict[str, str] = Field(
        default_factory=dict,
        description="GitHub login -> payout address, for open bounties: 0x... (EVM) or G... (Stellar).",
    )

    @field_validator("payees")
    @classmethod
    def _payout_addresses(cls, value: dict[str, str]) -> dict[str, str]:
        return {login: payout_address(address) for login, address in value.items()}

    intent_ttl_s: int = Field(
        default=7 * 86_400,
        gt=60,
        description="A webhook-built intent expires this long after its merged_at, by the chain's clock.",
    )


class KeeperSettings(BaseModel):
    """Due work that needs no signature."""

    model_config = ConfigDict(extra="forbid")

    open_refunds: bool = Field(default=False, description="Open refunds of escrows whose deadline has passed.")
    interval_s: float = Field(default=30.0, gt=0)
    escrow_ids: list[int] | None = Field(default=None, description="Escrows to watch (default: every escrow).")
    index_database_url: str | None = Field(
        default=None,
        description="A `quiltkit index run` database of this chain: open_refunds reads its candidate escrows "
        "from the index instead of reading every escrow from the chain.",
    )
    settle_auctions: bool = Field(
        default=False, description="Settle the AuctionHouse's ended auctions, in batches (EVM only)."
    )
    auction_house: str | None = Field(default=None, description="The AuctionHouse whose auctions to settle.")
    auction_batch: int = Field(default=64, ge=1, le=64, description="Auctions per settle_many transaction.")

    @model_validator(mode="after")
    def _auction_house_named(self) -> KeeperSettings:
        if self.settle_auctions and not self.auction_house:
            raise ValueError("keeper.settle_auctions needs keeper.auction_house (the AuctionHouse address)")
        if self.auction_house is not None:
            self.auction_house = checksum(self.auction_house, "keeper.auction_house")
        return self


class BadgeSettings(BaseModel):
    """Badges earned by paid bounties: the SoulboundBadge the attestations are submitted to."""

    model_config = ConfigDict(extra="forbid")

    contract: Address | None = Field(
        default=None,
        description="The SoulboundBadge that issues the badges bounties name (github.bounties.badge_type).",
    )
    attestation_ttl_s: int = Field(
        default=30 * 86_400,
        gt=60,
        description="An attestation's deadline is its payout intent's deadline plus this, by the chain's clock.",
    )
    interval_s: float = Field(
        default=1.0, gt=0, le=60, description="How often badges waiting on payouts are looked at."
    )
    max_attempts: int = Field(default=20, ge=1, description="Submissions of one attestation before it fails.")


class SorobanSettings(BaseModel):
    """The Soroban escrow (``chain = "soroban"``), through a Stellar RPC server or on the local harness."""

    model_config = ConfigDict(extra="forbid")

    rpc_url: str | None = Field(
        default=None,
        description="Stellar RPC endpoint (testnet, mainnet, a local `stellar container`): payouts go out as "
        "signed envelopes with time bounds. Unset: the local harness.",
    )
    harness: Path | None = Field(
        default=None,
        description="The quiltkit-soroban-harness binary (default: $QUILTKIT_SOROBAN_HARNESS or the repo build). "
        "A harness started by the relayer is a fresh, empty network: deploy on it before submitting.",
    )
    network_passphrase: str | None = Field(
        default=None, description="Network passphrase (default: what the RPC's getNetwork or the harness says)."
    )
    base_fee: int = Field(default=100, ge=100, description="Inclusion fee per operation, in stroops (RPC only).")
    tx_timeout_s: int = Field(
        default=30, ge=5, le=3600, description="Upper time bound of each envelope, from signing (RPC only)."
    )
    poll_interval_s: float = Field(default=1.0, gt=0, description="Between getTransaction polls (RPC only).")
    contract_id: str = Field(pattern=r"^C[A-Z2-7]{55}$", description="The Soroban escrow contract (C...).")
    submitter_secret: SecretStr | None = Field(
        default=None,
        description="Stellar secret key (S...) of the submitting account, for development "
        "(env QUILTKIT_RELAYER_SOROBAN__SUBMITTER_SECRET); or submitter_keystore.",
    )
    submitter_keystore: Path | None = Field(
        default=None, description="The submitter's encrypted keystore (quiltkit_relayer.keys.write_stellar_keystore)."
    )
    submitter_password: SecretStr | None = None
    submitter_password_file: Path | None = None
    verifier_secret: SecretStr | None = Field(
        default=None,
        description="If set, this instance signs merged-PR intents as this Stellar verifier (S...) "
        "(env QUILTKIT_RELAYER_SOROBAN__VERIFIER_SECRET); or verifier_keystore.",
    )
    verifier_keystore: Path | None = None
    verifier_password: SecretStr | None = None
    verifier_password_file: Path | None = None

    @model_validator(mode="after")
    def _one_backend(self) -> SorobanSettings:
        if self.rpc_url is not None and self.harness is not None:
            raise ValueError("rpc_url and harness name two different networks: set one")
        if (self.submitter_secret is None) == (self.submitter_keystore is None):
            raise ValueError("set one of submitter_keystore (with submitter_password[_file]) and submitter_secret")
        if self.verifier_secret is not None and self.verifier_keystore is not None:
            raise ValueError("set only one of verifier_secret and verifier_keystore")
        return self

    @field_validator("submitter_secret", "verifier_secret")
    @classmethod
    def _stellar_secret(cls, value: SecretStr | None) -> SecretStr | None:
        from stellar_sdk import StrKey

        if value is not None and not StrKey.is_valid_ed25519_secret_seed(value.get_secret_value().strip()):
            raise ValueError("not a Stellar secret key (S...)")
        return value


class RelayerSettings(BaseSettings):
    """Every setting of one relayer instance."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    instance_id: str = Field(
        default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}",
        description="Names this instance in leases and logs.",
    )
    database_url: str = Field(default="sqlite:///relayer.db", description="SQLAlchemy URL (sqlite or postgresql).")
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"

    chain: Literal["evm", "soroban"] = Field(default="evm", description="evm (MilestoneEscrow) or soroban.")
    rpc_url: str | None = Field(default=None, description="JSON-RPC endpoint of the node (required for evm).")
    chain_id: int | None = Field(default=None, gt=0, description="Expected chain id (checked against the node).")
    escrow_address: Address | None = Field(
        default=None, description="The MilestoneEscrow contract this relayer submits to (required for evm)."
    )
    soroban: SorobanSettings | None = Field(default=None, description="The Soroban escrow (required for soroban).")

    signer_key: SecretStr | None = Field(default=None, description="Hex private key (development only).")
    signer_keystore: Path | None = Field(default=None, description="eth-account encrypted keystore (JSON).")
    signer_password: SecretStr | None = None
    signer_password_file: Path | None = None
    verifier_key: SecretStr | None = Field(default=None, description="If set, this instance signs as a verifier.")
    verifier_keystore: Path | None = None
    verifier_password: SecretStr | None = None
    verifier_password_file: Path | None = None

    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8645, ge=0, le=65535)
    api_key: SecretStr | None = Field(default=None, description="If set, required as X-API-Key on /intents.")
    api_threads: int = Field(
        default=16,
        ge=1,
        le=256,
        description="API requests handled at once (more wait); each may hold a database connection.",
    )

    confirmations: int = Field(default=1, ge=1, le=1000, description="Blocks deep a payout must be.")
    batch_max: int = Field(
        default=20, ge=1, le=200, description="Most intents per payout transaction (releaseWithIntents batch)."
    )
    batch_wait_s: float = Field(
        default=0.2, ge=0, le=60, description="Wait this long for a batch to fill before sending a partial one."
    )
    max_in_flight: int = Field(default=8, ge=1, le=256, description="Most unconfirmed transactions per signer.")
    poll_interval_s: float = Field(
        default=0.2, gt=0, le=60, description="How often a stage with work in progress looks at the store and node."
    )
    idle_poll_interval_s: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How often a stage with nothing to do looks for work this instance did not hand it "
        "(another instance's intents, retries coming due); work this instance hands over wakes it at once.",
    )
    lease_s: float = Field(
        default=30.0, gt=0, description="How long a claimed intent, and the signer key, stay with this instance."
    )
    standby: bool = Field(
        default=False,
        description="Start even while another instance holds this signer key's lease, and take the key over, "
        "with its in-flight transactions, once that lease lapses (a hot standby for a dead instance).",
    )
    stuck_after_s: float = Field(default=30.0, gt=0, description="Bump the fee of a tx pending this long.")
    fee_bump_percent: int = Field(default=20, ge=10, le=1000, description="Fee increase per replacement (>= 10).")
    max_fee_per_gas_cap_wei: int = Field(default=500 * 10**9, gt=0, description="Never bid more than this per gas.")
    priority_fee_wei: int | None = Field(default=None, ge=0, description="Tip; default: the node's suggestion.")
    gas_headroom: float = Field(default=1.2, ge=1.0, le=3.0)
    min_signer_balance_wei: int = Field(default=10**16, ge=0, description="/readyz fails below this balance.")
    expiry_margin_s: int = Field(default=5, ge=0, description="Treat an intent as expired this long early.")
    retry: StageRetries = StageRetries()

    github: GithubSettings = GithubSettings()
    keeper: KeeperSettings = KeeperSettings()
    badges: BadgeSettings = BadgeSettings()

    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_json: bool = True

    @field_validator("database_url")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("use a sqlite:///path or postgresql+psycopg://... URL")
        return value

    @field_validator("rpc_url", "escrow_address")
    @classmethod
    def _evm_needs(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("chain", "evm") == "evm":
            raise ValueError("Field required (chain = evm)")
        return value

    @field_validator("soroban")
    @classmethod
    def _soroban_needs(cls, value: SorobanSettings | None, info: ValidationInfo) -> SorobanSettings | None:
        if value is None and info.data.get("chain") == "soroban":
            raise ValueError("Field required (chain = soroban): contract_id and submitter_secret")
        return value

    @model_validator(mode="after")
    def _one_signer(self) -> RelayerSettings:
        if self.chain == "soroban":
            if self.verifier_key is not None or self.verifier_keystore is not None:
                raise ValueError("verifier_key signs EIP-712 intents; with chain = soroban set soroban.verifier_secret")
            if self.keeper.settle_auctions:
                raise ValueError("keeper.settle_auctions settles an EVM AuctionHouse; it needs chain = evm")
            if self.badges.contract is not None or any(b.badge_type for b in self.github.bounties):
                raise ValueError("badges are issued by an EVM SoulboundBadge; badge_type and badges need chain = evm")
            return self  # the submitter key is soroban.submitter_secret
        if self.signer_key is None and self.signer_keystore is None:
            raise ValueError("set signer_keystore (with signer_password or signer_password_file) or signer_key")
        if self.signer_key is not None and self.signer_keystore is not None:
            raise ValueError("set only one of signer_key and signer_keystore")
        if self.verifier_key is not None and self.verifier_keystore is not None:
            raise ValueError("set only one of verifier_key and verifier_keystore")
        named = sorted({b.badge_type for b in self.github.bounties if b.badge_type is not None})
        if named and self.badges.contract is None:
            raise ValueError(f"github.bounties name badge types {named}: set badges.contract (the SoulboundBadge)")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _FileSource(settings_cls, _config_file.get()))


class _FileSource(PydanticBaseSettingsSource):
    """Values from a TOML (``.toml``) or YAML (``.yaml``/``.yml``) file; lowest priority."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path | None) -> None:
        super().__init__(settings_cls)
        self._values = _read_file(path) if path is not None else {}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._values)


def _read_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror}") from exc
    try:
        if path.suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif path.suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text) or {}
        else:
            raise ConfigError(f"config file {path}: use a .toml, .yaml or .yml file")
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"config file {path} does not parse: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a table of settings")
    relayer = data.get("relayer", data)  # a [relayer] table, or the settings at the top level
    if not isinstance(relayer, dict):
        raise ConfigError(f"config file {path}: [relayer] must be a table")
    return relayer


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> RelayerSettings:
    """Read and validate the settings; raise :class:`ConfigError` naming every setting to fix.

    ``config_file`` defaults to ``$QUILTKIT_RELAYER_CONFIG``. Environment variables win over the
    file; ``overrides`` win over both.
    """
    path = config_file or os.environ.get(CONFIG_ENV)
    token = _config_file.set(Path(path) if path else None)
    try:
        return RelayerSettings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, Path(path) if path else None)) from None
    finally:
        _config_file.reset(token)


def _explain(exc: ValidationError, path: Path | None) -> str:
    lines = [f"invalid relayer configuration{f' (file {path})' if path else ''}:"]
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        key = ".".join(loc) or "(settings)"
        env = ENV_PREFIX + "__".join(loc).upper() if loc else ""
        where = f"{key} (env {env})" if env else key
        lines.append(f"  - {where}: {error['msg']}")
    return "\n".join(lines)
