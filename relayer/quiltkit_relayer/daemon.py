"""The relayer process: HTTP API + pipeline workers + keeper, with graceful shutdown.

SIGTERM (or SIGINT) stops intake first (the HTTP server finishes in-flight requests), then every
worker finishes its current tick - a transaction signed and stored is always broadcast or left
for the next start to broadcast - and finally the leases this instance holds are handed back, so
another instance (or the next start) picks the work up at once. Nothing is lost: everything that
was accepted is in the store.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from types import FrameType
from typing import TYPE_CHECKING

import uvicorn
from eth_account.signers.local import LocalAccount
from fastapi import FastAPI
from quiltkit.indexer import IndexStore, Queries

from quiltkit_relayer.api import create_app
from quiltkit_relayer.badges import BadgeStage, register_metrics
from quiltkit_relayer.chains.base import ChainUnavailable
from quiltkit_relayer.chains.evm import EvmAdapter
from quiltkit_relayer.config import ConfigError, RelayerSettings
from quiltkit_relayer.keeper import Keeper, KeeperJob, OpenRefundsJob, SettleAuctionsJob
from quiltkit_relayer.keys import Verifier, load_signer, load_submitter, load_verifier
from quiltkit_relayer.logs import configure_logging, get_logger
from quiltkit_relayer.metrics import Metrics
from quiltkit_relayer.pipeline import ConfirmStage, Context, NonceManager, SubmitStage, VerifyStage, Worker
from quiltkit_relayer.pipeline.context import Adapter
from quiltkit_relayer.store import Store

if TYPE_CHECKING:  # the Soroban side (stellar-sdk) loads only for a Soroban relayer: an EVM one starts faster
    from quiltkit.soroban import LocalHost, Rpc

    from quiltkit_relayer.chains.soroban import SorobanAdapter

__all__ = ["Relayer", "run"]


STORE_CONNECTIONS_BESIDES_API = 7
"""The stage workers, the keeper, the badge worker, the heartbeat, and one spare."""


class SignerTaken(RuntimeError):
    """Another live instance holds this signer key's lease (two submitters would fight over nonces)."""


class Relayer:
    """One relayer instance: build it from settings, then :meth:`start` / :meth:`stop` (or :meth:`serve`)."""

    def __init__(
        self,
        settings: RelayerSettings,
        *,
        store: Store | None = None,
        signer: LocalAccount | None = None,
        verifier: Verifier | None = None,
        migrate: bool = True,
        soroban_backend: LocalHost | Rpc | None = None,
    ) -> None:
        self.settings = settings
        self.store = store or Store(
            settings.database_url,
            sqlite_synchronous=settings.sqlite_synchronous,
            pool_size=settings.api_threads + STORE_CONNECTIONS_BESIDES_API,
        )
        if migrate:
            self.store.migrate()
        self.adapter: Adapter
        self._own_backend: LocalHost | Rpc | None = None
        self.verifier: Verifier | None = verifier if verifier is not None else load_verifier(settings)
        self.signer: LocalAccount | None
        if settings.chain == "soroban":
            self.signer = None
            self.adapter = self._soroban_adapter(settings, soroban_backend)
        else:
            assert settings.rpc_url is not None  # validated
            assert settings.escrow_address is not None
            self.signer = signer or load_signer(settings)
            self.adapter = EvmAdapter(
                settings.rpc_url,
                settings.escrow_address,
                self.signer,
                expected_chain_id=settings.chain_id,
                max_fee_cap_wei=settings.max_fee_per_gas_cap_wei,
                priority_fee_wei=settings.priority_fee_wei,
                fee_bump_percent=settings.fee_bump_percent,
                gas_headroom=settings.gas_headroom,
                expiry_margin_s=settings.expiry_margin_s,
            )
        self.metrics = Metrics(self.store.counts)
        self.ctx = Context(
            settings=settings,
            store=self.store,
            adapter=self.adapter,
            metrics=self.metrics,
            instance_id=settings.instance_id,
            nonces=NonceManager(self.store, self.adapter),
        )
        self.verify = VerifyStage(self.ctx)
        self.submit = SubmitStage(self.ctx)
        self.confirm = ConfirmStage(self.ctx)
        jobs: list[KeeperJob] = []
        self.index_store: IndexStore | None = None
        if settings.keeper.open_refunds:
            index = None
            if settings.keeper.index_database_url and settings.keeper.escrow_ids is None:
                self.index_store = IndexStore(settings.keeper.index_database_url)
                index = Queries(self.index_store)
            jobs.append(OpenRefundsJob(settings.keeper.escrow_ids, index=index))
        if settings.keeper.settle_auctions and settings.keeper.auction_house:
            jobs.append(SettleAuctionsJob(settings.keeper.auction_house, settings.keeper.auction_batch))
        self.keeper = Keeper(self.ctx, jobs)
        register_metrics(self.ctx)
        self.badges = BadgeStage(self.ctx) if settings.badges.contract is not None else None
        self.workers: list[Worker] = []
        self.log = get_logger(instance=settings.instance_id, signer=self.adapter.signer_address)
        self._app: FastAPI | None = None

    def _soroban_adapter(self, settings: RelayerSettings, backend: LocalHost | Rpc | None) -> SorobanAdapter:
        """The Soroban adapter on ``backend``, or on a Stellar RPC / harness this relayer opens (and closes)."""
        from quiltkit.soroban import LocalHost, Rpc
        from quiltkit.soroban.errors import SorobanRpcError

        from quiltkit_relayer.chains.soroban import SorobanAdapter

        soroban = settings.soroban
        assert soroban is not None  # validated
        submitter = load_submitter(settings)
        if backend is None:
            if soroban.rpc_url is not None:
                try:
                    backend = Rpc(
                        soroban.rpc_url,
                        soroban.network_passphrase,
                        source=submitter,
                        base_fee=soroban.base_fee,
                        tx_timeout_s=soroban.tx_timeout_s,
                        poll_interval_s=soroban.poll_interval_s,
                    )
                except SorobanRpcError as exc:
                    raise ConfigError(f"soroban.rpc_url: {exc}") from exc
            else:
                backend = LocalHost(soroban.harness, network_passphrase=soroban.network_passphrase)
            self._own_backend = backend
        elif soroban.network_passphrase is not None and backend.network_passphrase != soroban.network_passphrase:
            raise ConfigError(
                f"soroban.network_passphrase: the network runs {backend.network_passphrase!r}, "
                f"not {soroban.network_passphrase!r}"
            )
        adapter = SorobanAdapter(backend, soroban.contract_id, submitter, expiry_margin_s=settings.expiry_margin_s)
        if isinstance(backend, Rpc) and soroban.network_passphrase is not None:
            try:
                served = adapter.transactions.node_passphrase()
            except ChainUnavailable:
                served = soroban.network_passphrase  # unreachable now: the stages retry until it answers
            if served != soroban.network_passphrase:
                raise ConfigError(
                    f"soroban.network_passphrase: the RPC serves {served!r}, not {soroban.network_passphrase!r}"
                )
        return adapter

    @property
    def app(self) -> FastAPI:
        if self._app is None:
            self._app = create_app(self.ctx, verifier=self.verifier)
        return self._app

    # --- lifecycle ------------------------------------------------------------------------------

    def hold_signer(self) -> None:
        """Take (or renew) this instance's lease on its signer key; raise if another holds it."""
        holder = self.store.acquire_signer(
            self.adapter.name, self.adapter.signer_address, self.settings.instance_id, self.settings.lease_s
        )
        if holder is not None:
            self.ctx.signer_ok.clear()
            raise SignerTaken(
                f"signer {self.adapter.signer_address} is leased to instance {holder} "
                "(another key, or standby = true to take this one over when that lease lapses)"
            )
        self.ctx.signer_ok.set()

    def _heartbeat(self) -> bool:
        held = self.ctx.signer_ok.is_set()
        try:
            self.hold_signer()
            if not held:
                # A standby whose active instance stopped renewing: its signed, unconfirmed
                # transactions are in the store under this key, and the confirm stage settles them.
                self.log.warning("took over the signer lease: submitting", action="heartbeat")
        except SignerTaken as exc:
            if held:
                self.log.error("lost the signer lease: submissions paused", action="heartbeat", detail=str(exc))
        self.store.heartbeat(self.settings.instance_id, self.adapter.signer_address)
        with contextlib.suppress(ChainUnavailable):
            self.metrics.balance.labels(self.adapter.signer_address).set(self.adapter.balance())
        return False

    def start(self) -> None:
        """Start the pipeline workers (not the HTTP server)."""
        self.ctx.stop.clear()
        try:
            self.hold_signer()
        except SignerTaken as exc:
            if not self.settings.standby:
                raise
            self.log.warning("standing by: the signer is leased to another instance", action="start", detail=str(exc))
        # A restart under the same instance id takes back what the previous run held at once.
        reclaimed = self.store.release_leases(self.settings.instance_id)
        if reclaimed:
            self.log.info("leases of a previous run handed back", action="start", leases=reclaimed)
        try:
            node = self.adapter.node_chain_id()
            self.log.info("connected to node", action="start", chain_id=node, contract=self.adapter.contract)
        except ChainUnavailable as exc:  # keep going: stages retry until the node is back
            self.log.warning("node unreachable at start; will retry", action="start", detail=str(exc))
        s = self.settings
        stop, log = self.ctx.stop, self.log
        self.workers = [self._stage_worker(stage) for stage in (self.verify, self.submit, self.confirm)]
        self.workers.append(Worker("heartbeat", self._heartbeat, interval=max(0.5, s.lease_s / 3), stop=stop, log=log))
        if self.keeper.jobs:
            self.workers.append(Worker("keeper", self.keeper.tick, interval=s.keeper.interval_s, stop=stop, log=log))
        if self.badges is not None:
            self.workers.append(Worker("badges", self.badges.tick, interval=s.badges.interval_s, stop=stop, log=log))
        for worker in self.workers:
            worker.start()
        self.log.info("workers started", action="start", workers=[w.name for w in self.workers])

    def _stage_worker(self, stage: VerifyStage | SubmitStage | ConfirmStage) -> Worker:
        s = self.settings
        return Worker(
            stage.name,
            stage.tick,
            interval=s.poll_interval_s,
            stop=self.ctx.stop,
            log=self.log,
            idle=lambda: stage.idle,
            idle_interval=s.idle_poll_interval_s,
            nudge=self.ctx.nudges[stage.name],
        )

    def stop(self, timeout: float = 30.0) -> None:
        """Let every worker finish its tick, then hand back leases (intents and signer)."""
        self.ctx.request_stop()
        deadline = time.monotonic() + timeout
        for worker in self.workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        alive = [w.name for w in self.workers if w.is_alive()]
        released = self.store.release_leases(self.settings.instance_id)
        self.store.release_signer(self.adapter.name, self.adapter.signer_address, self.settings.instance_id)
        self.ctx.signer_ok.clear()
        if self._own_backend is not None and not alive:
            self._own_backend.close()
        if self.index_store is not None and not alive:
            self.index_store.dispose()
        self.log.info("stopped", action="stop", leases_released=released, workers_still_running=alive)

    def serve(self) -> None:
        """Run the API and the workers until SIGTERM/SIGINT; then shut down gracefully."""
        s = self.settings
        config = uvicorn.Config(self.app, host=s.api_host, port=s.api_port, log_config=None, access_log=False)
        server = uvicorn.Server(config)
        done = threading.Event()

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            self.log.info("signal received: shutting down", action="shutdown", signal=signal.Signals(signum).name)
            done.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        http = threading.Thread(target=server.run, name="relayer-http", daemon=True)
        try:
            self.start()
            http.start()
            self.log.info("serving", action="start", host=s.api_host, port=s.api_port)
            while not done.wait(0.5):
                if not http.is_alive():
                    self.log.error("the HTTP server stopped", action="shutdown")
                    break
        finally:
            server.should_exit = True
            http.join(15)
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def run(settings: RelayerSettings) -> None:
    """``quiltkit relayer run``: configure logs, build the relayer, serve until signalled."""
    configure_logging(settings.log_level, json=settings.log_json)
    Relayer(settings).serve()
