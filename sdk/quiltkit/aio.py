"""Async twins of the typed clients, for asyncio backends (FastAPI, aiohttp...).

``AsyncEscrow(AsyncWeb3(AsyncHTTPProvider(url)), address)`` has every method of ``Escrow``, each a
coroutine with the same arguments, checks, errors and results::

    escrow = AsyncEscrow(w3, address)
    info = await escrow.get_escrow(7)
    result = await escrow.release(7, 0, sender=payer)
    async for event in escrow.follow(EscrowFunded, escrow_id=7):
        ...

One core, two drivers (web3.py's own sync/async split): a twin runs the synchronous client's
code (its pre-send checks, simulation, signing, receipt handling) in a worker thread, and every
JSON-RPC request that code makes is sent by the caller's ``AsyncWeb3`` provider on the caller's
event loop. So the loop is never blocked, the backend's one async provider (its session, its
middleware-free connection) carries all traffic, and a twin can never drift from its sync client:
there is no second implementation to drift. A twin must be awaited from the event loop that
owns its ``AsyncWeb3`` (the loop of the first call).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, ClassVar, Concatenate, Generic, Literal, ParamSpec, Self, TypeVar, overload

from web3 import AsyncWeb3, Web3
from web3.middleware import combine_middleware
from web3.providers import BaseProvider, JSONBaseProvider
from web3.providers.async_base import AsyncBaseProvider, AsyncJSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse

from quiltkit._contract import (
    _LOG_PAGE,
    BuiltTx,
    ContractClient,
    ContractEvent,
    TxResult,
)
from quiltkit.auction import NFT, AuctionHouse, Editions
from quiltkit.badges import SoulboundBadge, TieredBadges
from quiltkit.escrow import Escrow
from quiltkit.exceptions import InvalidInput
from quiltkit.funding import BadgeReputationGate, FundingRound, FundingRoundFactory
from quiltkit.governance import GovernanceToken, Governor, Timelock
from quiltkit.staking import GovernanceTokenV2, Staking, VerifierBonds
from quiltkit.tokens import Token

__all__ = [
    "AsyncAuctionHouse",
    "AsyncBadgeReputationGate",
    "AsyncClient",
    "AsyncEditions",
    "AsyncEscrow",
    "AsyncFundingRound",
    "AsyncFundingRoundFactory",
    "AsyncGovernanceToken",
    "AsyncGovernor",
    "AsyncGovernanceTokenV2",
    "AsyncNFT",
    "AsyncSoulboundBadge",
    "AsyncStaking",
    "AsyncTieredBadges",
    "AsyncTimelock",
    "AsyncToken",
    "AsyncVerifierBonds",
    "TWINS",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_C = TypeVar("_C", bound=ContractClient)
_A = TypeVar("_A", bound="AsyncClient[Any]")
_E = TypeVar("_E", bound=ContractEvent)


class _LoopProvider(BaseProvider):
    """A synchronous provider for code running in a worker thread: each request is sent by an
    async provider on its event loop, and the thread waits for the answer."""

    def __init__(self, provider: AsyncBaseProvider) -> None:
        super().__init__()
        self._provider = provider
        self.loop: asyncio.AbstractEventLoop | None = None
        # What the async provider adds to every request's middleware (web3's eth-tester providers
        # format requests and results there), added the same way here.
        self._own_middleware: tuple[Any, ...] = tuple(getattr(provider, "_middleware", ()))

    def request_func(self, w3: Web3, middleware_onion: Any) -> Callable[..., RPCResponse]:
        if not self._own_middleware:
            return super().request_func(w3, middleware_onion)
        middleware = middleware_onion.as_tuple_of_middleware() + self._own_middleware
        if self._request_func_cache[0] != middleware:
            combined = combine_middleware(middleware=middleware, w3=w3, provider_request_fn=self.make_request)
            self._request_func_cache = (middleware, combined)
        return self._request_func_cache[-1]

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        loop = self.loop
        if loop is None:
            raise RuntimeError("an async twin's core ran outside the twin (no event loop bound)")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            raise RuntimeError("an async twin's core ran on the event loop's own thread: it would deadlock")
        request = self._provider.make_request(method, params)
        return asyncio.run_coroutine_threadsafe(request, loop).result()

    def is_connected(self, show_traceback: bool = False) -> bool:
        return True


class _LoopJSONProvider(_LoopProvider, JSONBaseProvider):
    """The bridge to a JSON-RPC node's async provider: the sync core then sends its reads as raw
    ``eth_call`` requests (its fast path), as it does to a node's sync provider."""


class AsyncClient(Generic[_C]):
    """Base of the async twins: ``sync`` is the synchronous client the twin drives."""

    sync_class: ClassVar[type[ContractClient]]

    def __init__(self, w3: AsyncWeb3, address: str) -> None:  # type: ignore[type-arg]
        self.w3, self._provider = w3, _provider_of(w3, type(self).__name__)
        self.sync: _C = self.sync_class(Web3(self._provider), address)  # type: ignore[assignment]
        self.address = self.sync.address

    @classmethod
    def _wrapping(cls, w3: AsyncWeb3, sync: ContractClient, provider: _LoopProvider) -> Self:  # type: ignore[type-arg]
        twin = cls.__new__(cls)
        twin.w3, twin._provider, twin.sync, twin.address = w3, provider, sync, sync.address  # type: ignore[assignment]
        return twin

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.address})"

    async def _run(self, fn: Callable[..., _R], *args: Any, **kwargs: Any) -> _R:
        _bind(self._provider)
        return await asyncio.to_thread(fn, *args, **kwargs)

    # --- what every client has (ContractClient's public methods) -------------------------------

    async def check_deployment(self) -> None:
        """See :meth:`ContractClient.check_deployment`."""
        await self._run(self.sync.check_deployment)

    @overload
    async def events(
        self,
        kind: type[_E],
        from_block: int = 0,
        to_block: int | Literal["latest"] = "latest",
        *,
        page_size: int = _LOG_PAGE,
        **filters: Any,
    ) -> list[_E]: ...

    @overload
    async def events(
        self,
        kind: str | None = None,
        from_block: int = 0,
        to_block: int | Literal["latest"] = "latest",
        *,
        page_size: int = _LOG_PAGE,
        **filters: Any,
    ) -> list[ContractEvent]: ...

    async def events(
        self,
        kind: type[ContractEvent] | str | None = None,
        from_block: int = 0,
        to_block: int | Literal["latest"] = "latest",
        *,
        page_size: int = _LOG_PAGE,
        **filters: Any,
    ) -> list[Any]:
        """See :meth:`ContractClient.events`."""
        return await self._run(self.sync.events, kind, from_block, to_block, page_size=page_size, **filters)

    async def follow(
        self,
        kind: type[ContractEvent] | str | None = None,
        from_block: int | None = None,
        *,
        confirmations: int = 1,
        poll_interval: float = 1.0,
        page_size: int = _LOG_PAGE,
        **filters: Any,
    ) -> AsyncIterator[ContractEvent]:
        """See :meth:`ContractClient.follow`; waits with ``asyncio.sleep`` between polls."""
        next_block = await self._run(self.sync._follow_start, kind, from_block, confirmations, filters)
        while True:
            found, next_block = await self._run(
                self.sync._follow_step, kind, next_block, confirmations, page_size, filters
            )
            if found is None:
                await asyncio.sleep(poll_interval)
                continue
            for event in found:
                yield event

    async def build(self, write: Callable[_P, Any], /, *args: _P.args, **kwargs: _P.kwargs) -> BuiltTx:
        """See :meth:`ContractClient.build`: ``await escrow.build(escrow.release, 1, 0, sender=payer)``."""
        return await self._run(self.sync.build, self._sync_write(write), *args, **kwargs)

    async def estimate(self, write: Callable[_P, Any], /, *args: _P.args, **kwargs: _P.kwargs) -> int:
        """See :meth:`ContractClient.estimate`."""
        return await self._run(self.sync.estimate, self._sync_write(write), *args, **kwargs)

    async def send(self, write: Callable[_P, Any], /, *args: _P.args, **kwargs: _P.kwargs) -> str:
        """See :meth:`ContractClient.send`."""
        return await self._run(self.sync.send, self._sync_write(write), *args, **kwargs)

    async def wait_for(self, tx_hash: str, *, confirmations: int = 1, timeout: float = 120.0) -> TxResult:
        """See :meth:`ContractClient.wait_for`."""
        return await self._run(self.sync.wait_for, tx_hash, confirmations=confirmations, timeout=timeout)

    def _sync_write(self, write: Callable[..., Any]) -> Callable[..., Any]:
        """The sync client's method behind one of this twin's bound writes."""
        name = getattr(write, "__name__", "")
        twin = inspect.getattr_static(type(self), name, None)
        if getattr(write, "__self__", None) is not self or not isinstance(twin, _Twin):
            raise InvalidInput(f"{name or write!r} is not a write of {self!r}", field="write")
        method: Callable[..., Any] = getattr(self.sync, name)
        return method


def _provider_of(w3: Any, who: str) -> _LoopProvider:
    if not isinstance(w3, AsyncWeb3):
        raise InvalidInput(
            f"{who} takes an AsyncWeb3 (AsyncWeb3(AsyncHTTPProvider(url))), got {type(w3).__name__}; "
            "for a synchronous Web3 use the client without the Async prefix",
            field="w3",
        )
    if isinstance(w3.provider, AsyncJSONBaseProvider):
        return _LoopJSONProvider(w3.provider)
    return _LoopProvider(w3.provider)


def _bind(provider: _LoopProvider) -> None:
    loop = asyncio.get_running_loop()
    if provider.loop is not None and provider.loop is not loop and provider.loop.is_running():
        raise RuntimeError("this twin's AsyncWeb3 belongs to another running event loop")
    provider.loop = loop


class _Twin(Generic[_P, _R]):
    """A method of the sync client, as a coroutine method of the twin (same arguments)."""

    def __init__(self, method: Callable[Concatenate[Any, _P], _R]) -> None:
        self.method = method
        self.__doc__ = method.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, twin: AsyncClient[Any] | None, owner: type) -> Callable[_P, Coroutine[Any, Any, _R]]:
        if twin is None:
            raise AttributeError(f"{owner.__name__}.{self.name} is a method of an instance")
        method = self.method

        async def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            return await twin._run(method, twin.sync, *args, **kwargs)

        call.__name__ = self.name
        call.__doc__ = self.__doc__
        call.__self__ = twin  # type: ignore[attr-defined]
        return call


class _TwinDeploy(Generic[_P]):
    """A deploying classmethod of the sync client, as a coroutine classmethod of the twin that
    takes an ``AsyncWeb3`` and returns the twin of the deployed contract."""

    def __init__(self, deploy: Callable[Concatenate[Web3, _P], ContractClient]) -> None:
        self.deploy = deploy
        self.__doc__ = deploy.__doc__

    def __get__(self, twin: object, owner: type[_A]) -> Callable[Concatenate[AsyncWeb3, _P], Coroutine[Any, Any, _A]]:  # type: ignore[type-arg]
        deploy = self.deploy

        async def call(w3: AsyncWeb3, /, *args: _P.args, **kwargs: _P.kwargs) -> _A:  # type: ignore[type-arg]
            provider = _provider_of(w3, owner.__name__)
            _bind(provider)
            sync = await asyncio.to_thread(deploy, Web3(provider), *args, **kwargs)
            return owner._wrapping(w3, sync, provider)

        call.__doc__ = self.__doc__
        return call


class AsyncToken(AsyncClient[Token]):
    """Async twin of :class:`quiltkit.Token`."""

    sync_class = Token
    deploy_test_token = _TwinDeploy(Token.deploy_test_token)
    name = _Twin(Token.name)
    symbol = _Twin(Token.symbol)
    decimals = _Twin(Token.decimals)
    balance_of = _Twin(Token.balance_of)
    allowance = _Twin(Token.allowance)
    approve = _Twin(Token.approve)
    transfer = _Twin(Token.transfer)
    mint = _Twin(Token.mint)


class AsyncEscrow(AsyncClient[Escrow]):
    """Async twin of :class:`quiltkit.Escrow`."""

    sync_class = Escrow
    deploy = _TwinDeploy(Escrow.deploy)
    domain = _Twin(Escrow.domain)
    get_escrow = _Twin(Escrow.get_escrow)
    intent_status = _Twin(Escrow.intent_status)
    intent_and_escrow = _Twin(Escrow.intent_and_escrow)
    intents_and_escrows = _Twin(Escrow.intents_and_escrows)
    funder_account = _Twin(Escrow.funder_account)
    escrows_at = _Twin(Escrow.escrows_at)
    funder_accounts_at = _Twin(Escrow.funder_accounts_at)
    claimable_refund = _Twin(Escrow.claimable_refund)
    verifier_set_commitment = _Twin(Escrow.verifier_set_commitment)
    credit_of = _Twin(Escrow.credit_of)
    escrow_count = _Twin(Escrow.escrow_count)
    has_role = _Twin(Escrow.has_role)
    default_fee_bps = _Twin(Escrow.default_fee_bps)
    treasury = _Twin(Escrow.treasury)
    paused = _Twin(Escrow.paused)
    hash_intent = _Twin(Escrow.hash_intent)
    register_verifier_set = _Twin(Escrow.register_verifier_set)
    create = _Twin(Escrow.create)
    fund = _Twin(Escrow.fund)
    assign_payee = _Twin(Escrow.assign_payee)
    release = _Twin(Escrow.release)
    release_with_intent = _Twin(Escrow.release_with_intent)
    release_with_intents = _Twin(Escrow.release_with_intents)
    release_with_intents_data = _Twin(Escrow.release_with_intents_data)
    dispute = _Twin(Escrow.dispute)
    resolve = _Twin(Escrow.resolve)
    close_expired_dispute = _Twin(Escrow.close_expired_dispute)
    dispute_closes_at = _Twin(Escrow.dispute_closes_at)
    open_refunds = _Twin(Escrow.open_refunds)
    claim_refund = _Twin(Escrow.claim_refund)
    cancel = _Twin(Escrow.cancel)
    withdraw = _Twin(Escrow.withdraw)
    set_default_fee = _Twin(Escrow.set_default_fee)
    set_treasury = _Twin(Escrow.set_treasury)
    grant_role = _Twin(Escrow.grant_role)
    pause = _Twin(Escrow.pause)
    unpause = _Twin(Escrow.unpause)


class AsyncAuctionHouse(AsyncClient[AuctionHouse]):
    """Async twin of :class:`quiltkit.AuctionHouse`."""

    sync_class = AuctionHouse
    deploy = _TwinDeploy(AuctionHouse.deploy)
    get_auction = _Twin(AuctionHouse.get_auction)
    auction_count = _Twin(AuctionHouse.auction_count)
    min_next_bid = _Twin(AuctionHouse.min_next_bid)
    credits = _Twin(AuctionHouse.credits)
    lot_owed = _Twin(AuctionHouse.lot_owed)
    fee_bps = _Twin(AuctionHouse.fee_bps)
    royalty_cap_bps = _Twin(AuctionHouse.royalty_cap_bps)
    treasury = _Twin(AuctionHouse.treasury)
    owner = _Twin(AuctionHouse.owner)
    paused = _Twin(AuctionHouse.paused)
    due_auctions = _Twin(AuctionHouse.due_auctions)
    create_auction = _Twin(AuctionHouse.create_auction)
    bid = _Twin(AuctionHouse.bid)
    settle = _Twin(AuctionHouse.settle)
    settle_many = _Twin(AuctionHouse.settle_many)
    settle_due = _Twin(AuctionHouse.settle_due)
    cancel = _Twin(AuctionHouse.cancel)
    claim_lot = _Twin(AuctionHouse.claim_lot)
    withdraw = _Twin(AuctionHouse.withdraw)
    pause = _Twin(AuctionHouse.pause)
    unpause = _Twin(AuctionHouse.unpause)
    set_fee_bps = _Twin(AuctionHouse.set_fee_bps)
    set_treasury = _Twin(AuctionHouse.set_treasury)


class AsyncNFT(AsyncClient[NFT]):
    """Async twin of :class:`quiltkit.NFT` (the test ERC-721 with royalties)."""

    sync_class = NFT
    deploy_test_nft = _TwinDeploy(NFT.deploy_test_nft)
    owner_of = _Twin(NFT.owner_of)
    get_approved = _Twin(NFT.get_approved)
    is_approved_for_all = _Twin(NFT.is_approved_for_all)
    approve = _Twin(NFT.approve)
    set_approval_for_all = _Twin(NFT.set_approval_for_all)
    mint = _Twin(NFT.mint)
    set_default_royalty = _Twin(NFT.set_default_royalty)


class AsyncEditions(AsyncClient[Editions]):
    """Async twin of :class:`quiltkit.Editions` (the test ERC-1155 with royalties)."""

    sync_class = Editions
    deploy_test_editions = _TwinDeploy(Editions.deploy_test_editions)
    balance_of = _Twin(Editions.balance_of)
    is_approved_for_all = _Twin(Editions.is_approved_for_all)
    set_approval_for_all = _Twin(Editions.set_approval_for_all)
    mint = _Twin(Editions.mint)
    set_default_royalty = _Twin(Editions.set_default_royalty)


class AsyncGovernanceToken(AsyncClient[GovernanceToken]):
    """Async twin of :class:`quiltkit.GovernanceToken`."""

    sync_class = GovernanceToken
    deploy = _TwinDeploy(GovernanceToken.deploy)
    balance_of = _Twin(GovernanceToken.balance_of)
    total_supply = _Twin(GovernanceToken.total_supply)
    cap = _Twin(GovernanceToken.cap)
    get_votes = _Twin(GovernanceToken.get_votes)
    get_past_votes = _Twin(GovernanceToken.get_past_votes)
    delegates = _Twin(GovernanceToken.delegates)
    donated_by = _Twin(GovernanceToken.donated_by)
    treasury = _Twin(GovernanceToken.treasury)
    donation_rate = _Twin(GovernanceToken.donation_rate)
    paused = _Twin(GovernanceToken.paused)
    has_role = _Twin(GovernanceToken.has_role)
    nonces = _Twin(GovernanceToken.nonces)
    transfer = _Twin(GovernanceToken.transfer)
    delegate = _Twin(GovernanceToken.delegate)
    delegate_by_sig = _Twin(GovernanceToken.delegate_by_sig)
    mint = _Twin(GovernanceToken.mint)
    mint_batch = _Twin(GovernanceToken.mint_batch)
    donate = _Twin(GovernanceToken.donate)
    pause = _Twin(GovernanceToken.pause)
    unpause = _Twin(GovernanceToken.unpause)
    grant_role = _Twin(GovernanceToken.grant_role)
    renounce_role = _Twin(GovernanceToken.renounce_role)
    set_treasury = _Twin(GovernanceToken.set_treasury)
    upgrade_to = _Twin(GovernanceToken.upgrade_to)


class AsyncGovernanceTokenV2(AsyncGovernanceToken):
    """Async twin of :class:`quiltkit.GovernanceTokenV2`."""

    sync_class = GovernanceTokenV2
    upgrade = _TwinDeploy(GovernanceTokenV2.upgrade)
    locks_of = _Twin(GovernanceTokenV2.locks_of)
    unlocked_balance_of = _Twin(GovernanceTokenV2.unlocked_balance_of)
    lockers = _Twin(GovernanceTokenV2.lockers)


class AsyncStaking(AsyncClient[Staking]):
    """Async twin of :class:`quiltkit.Staking`."""

    sync_class = Staking
    deploy = _TwinDeploy(Staking.deploy)
    staking_token = _Twin(Staking.staking_token)
    total_staked = _Twin(Staking.total_staked)
    stake_of = _Twin(Staking.stake_of)
    pending_unstake = _Twin(Staking.pending_unstake)
    cooldown = _Twin(Staking.cooldown)
    paused = _Twin(Staking.paused)
    reward_tokens = _Twin(Staking.reward_tokens)
    reward_data = _Twin(Staking.reward_data)
    reward_per_token = _Twin(Staking.reward_per_token)
    earned = _Twin(Staking.earned)
    committed = _Twin(Staking.committed)
    user_reward = _Twin(Staking.user_reward)
    pending_rewards = _Twin(Staking.pending_rewards)
    has_role = _Twin(Staking.has_role)
    stake = _Twin(Staking.stake)
    unstake = _Twin(Staking.unstake)
    withdraw = _Twin(Staking.withdraw)
    claim = _Twin(Staking.claim)
    claim_all = _Twin(Staking.claim_all)
    notify_reward_amount = _Twin(Staking.notify_reward_amount)
    recover_unallocated = _Twin(Staking.recover_unallocated)
    set_cooldown = _Twin(Staking.set_cooldown)
    pause = _Twin(Staking.pause)
    unpause = _Twin(Staking.unpause)
    grant_role = _Twin(Staking.grant_role)


class AsyncVerifierBonds(AsyncClient[VerifierBonds]):
    """Async twin of :class:`quiltkit.VerifierBonds`."""

    sync_class = VerifierBonds
    deploy = _TwinDeploy(VerifierBonds.deploy)
    bond_of = _Twin(VerifierBonds.bond_of)
    slashable_of = _Twin(VerifierBonds.slashable_of)
    minimum_bond = _Twin(VerifierBonds.minimum_bond)
    unbond_delay = _Twin(VerifierBonds.unbond_delay)
    counts = _Twin(VerifierBonds.counts)
    require_bonded = _Twin(VerifierBonds.require_bonded)
    suspensions_of = _Twin(VerifierBonds.suspensions_of)
    recorded_suspensions = _Twin(VerifierBonds.recorded_suspensions)
    bond = _Twin(VerifierBonds.bond)
    unbond = _Twin(VerifierBonds.unbond)
    withdraw_unbonded = _Twin(VerifierBonds.withdraw_unbonded)
    slash = _Twin(VerifierBonds.slash)
    slash_call = _Twin(VerifierBonds.slash_call)
    push_suspensions = _Twin(VerifierBonds.push_suspensions)
    push_suspensions_call = _Twin(VerifierBonds.push_suspensions_call)
    slashing_calls = _Twin(VerifierBonds.slashing_calls)
    set_minimum_bond = _Twin(VerifierBonds.set_minimum_bond)
    set_unbond_delay = _Twin(VerifierBonds.set_unbond_delay)


class AsyncTimelock(AsyncClient[Timelock]):
    """Async twin of :class:`quiltkit.Timelock`."""

    sync_class = Timelock
    deploy = _TwinDeploy(Timelock.deploy)
    min_delay = _Twin(Timelock.min_delay)
    is_emergency_call = _Twin(Timelock.is_emergency_call)
    has_role = _Twin(Timelock.has_role)
    grant_role = _Twin(Timelock.grant_role)
    renounce_role = _Twin(Timelock.renounce_role)


class AsyncGovernor(AsyncClient[Governor]):
    """Async twin of :class:`quiltkit.Governor`."""

    sync_class = Governor
    deploy = _TwinDeploy(Governor.deploy)
    type_tag = _Twin(Governor.type_tag)
    state = _Twin(Governor.state)
    has_voted = _Twin(Governor.has_voted)
    rules = _Twin(Governor.rules)
    tally = _Twin(Governor.tally)
    proposal_id = _Twin(Governor.proposal_id)
    nonces = _Twin(Governor.nonces)
    find_proposal = _Twin(Governor.find_proposal)
    propose = _Twin(Governor.propose)
    cast_vote = _Twin(Governor.cast_vote)
    cast_vote_by_sig = _Twin(Governor.cast_vote_by_sig)
    queue = _Twin(Governor.queue)
    execute = _Twin(Governor.execute)
    cancel = _Twin(Governor.cancel)


class AsyncSoulboundBadge(AsyncClient[SoulboundBadge]):
    """Async twin of :class:`quiltkit.SoulboundBadge`."""

    sync_class = SoulboundBadge
    deploy = _TwinDeploy(SoulboundBadge.deploy)
    domain = _Twin(SoulboundBadge.domain)
    annual_rate_bps = _Twin(SoulboundBadge.annual_rate_bps)
    activity_weight = _Twin(SoulboundBadge.activity_weight)
    type_count = _Twin(SoulboundBadge.type_count)
    badge_type = _Twin(SoulboundBadge.badge_type)
    badge = _Twin(SoulboundBadge.badge)
    reputation_of = _Twin(SoulboundBadge.reputation_of)
    reputation = _Twin(SoulboundBadge.reputation)
    decayed = _Twin(SoulboundBadge.decayed)
    balance_of = _Twin(SoulboundBadge.balance_of)
    owner_of = _Twin(SoulboundBadge.owner_of)
    locked = _Twin(SoulboundBadge.locked)
    burn_auth = _Twin(SoulboundBadge.burn_auth)
    is_valid = _Twin(SoulboundBadge.is_valid)
    identity_of = _Twin(SoulboundBadge.identity_of)
    token_uri = _Twin(SoulboundBadge.token_uri)
    attestation_used = _Twin(SoulboundBadge.attestation_used)
    hash_attestation = _Twin(SoulboundBadge.hash_attestation)
    has_role = _Twin(SoulboundBadge.has_role)
    supports_interface = _Twin(SoulboundBadge.supports_interface)
    register_type = _Twin(SoulboundBadge.register_type)
    set_validators = _Twin(SoulboundBadge.set_validators)
    set_type_uri = _Twin(SoulboundBadge.set_type_uri)
    set_activity_weight = _Twin(SoulboundBadge.set_activity_weight)
    grant_role = _Twin(SoulboundBadge.grant_role)
    issue = _Twin(SoulboundBadge.issue)
    issue_batch = _Twin(SoulboundBadge.issue_batch)
    issue_with_attestation = _Twin(SoulboundBadge.issue_with_attestation)
    revoke = _Twin(SoulboundBadge.revoke)
    burn = _Twin(SoulboundBadge.burn)
    record_activity = _Twin(SoulboundBadge.record_activity)


class AsyncTieredBadges(AsyncClient[TieredBadges]):
    """Async twin of :class:`quiltkit.TieredBadges`."""

    sync_class = TieredBadges
    deploy = _TwinDeploy(TieredBadges.deploy)
    tier = _Twin(TieredBadges.tier)
    is_soulbound = _Twin(TieredBadges.is_soulbound)
    balance_of = _Twin(TieredBadges.balance_of)
    uri = _Twin(TieredBadges.uri)
    has_role = _Twin(TieredBadges.has_role)
    create_tier = _Twin(TieredBadges.create_tier)
    mint = _Twin(TieredBadges.mint)
    upgrade = _Twin(TieredBadges.upgrade)
    burn = _Twin(TieredBadges.burn)
    safe_transfer_from = _Twin(TieredBadges.safe_transfer_from)
    set_approval_for_all = _Twin(TieredBadges.set_approval_for_all)


class AsyncFundingRoundFactory(AsyncClient[FundingRoundFactory]):
    """Async twin of :class:`quiltkit.FundingRoundFactory`."""

    sync_class = FundingRoundFactory
    deploy = _TwinDeploy(FundingRoundFactory.deploy)
    implementation = _Twin(FundingRoundFactory.implementation)
    predict_round = _Twin(FundingRoundFactory.predict_round)
    is_round = _Twin(FundingRoundFactory.is_round)
    round_count = _Twin(FundingRoundFactory.round_count)
    has_role = _Twin(FundingRoundFactory.has_role)
    create_round = _Twin(FundingRoundFactory.create_round)
    grant_role = _Twin(FundingRoundFactory.grant_role)


class AsyncBadgeReputationGate(AsyncClient[BadgeReputationGate]):
    """Async twin of :class:`quiltkit.BadgeReputationGate`."""

    sync_class = BadgeReputationGate
    deploy = _TwinDeploy(BadgeReputationGate.deploy)
    badges = _Twin(BadgeReputationGate.badges)
    min_reputation = _Twin(BadgeReputationGate.min_reputation)
    is_eligible = _Twin(BadgeReputationGate.is_eligible)


class AsyncFundingRound(AsyncClient[FundingRound]):
    """Async twin of :class:`quiltkit.FundingRound`."""

    sync_class = FundingRound
    params = _Twin(FundingRound.params)
    verifiers_hash = _Twin(FundingRound.verifiers_hash)
    verifier_bonds = _Twin(FundingRound.verifier_bonds)
    state = _Twin(FundingRound.state)
    project_count = _Twin(FundingRound.project_count)
    get_project = _Twin(FundingRound.get_project)
    donation_of = _Twin(FundingRound.donation_of)
    sponsor_of = _Twin(FundingRound.sponsor_of)
    milestone_payout = _Twin(FundingRound.milestone_payout)
    stream_of = _Twin(FundingRound.stream_of)
    refundable_of = _Twin(FundingRound.refundable_of)
    pool_return_of = _Twin(FundingRound.pool_return_of)
    owed_of = _Twin(FundingRound.owed_of)
    paused = _Twin(FundingRound.paused)
    hash_intent = _Twin(FundingRound.hash_intent)
    hash_leaderboard = _Twin(FundingRound.hash_leaderboard)
    intent_for = _Twin(FundingRound.intent_for)
    sign_intent = _Twin(FundingRound.sign_intent)
    sign_leaderboard = _Twin(FundingRound.sign_leaderboard)
    register_project = _Twin(FundingRound.register_project)
    donate = _Twin(FundingRound.donate)
    fund_pool = _Twin(FundingRound.fund_pool)
    finalize = _Twin(FundingRound.finalize)
    submit_leaderboard = _Twin(FundingRound.submit_leaderboard)
    release = _Twin(FundingRound.release)
    release_with_intent = _Twin(FundingRound.release_with_intent)
    claim_stream = _Twin(FundingRound.claim_stream)
    stop_stream = _Twin(FundingRound.stop_stream)
    return_unreleased = _Twin(FundingRound.return_unreleased)
    claim_refund = _Twin(FundingRound.claim_refund)
    claim_pool_return = _Twin(FundingRound.claim_pool_return)
    withdraw = _Twin(FundingRound.withdraw)
    pause = _Twin(FundingRound.pause)
    unpause = _Twin(FundingRound.unpause)


TWINS: dict[type[ContractClient], type[AsyncClient[Any]]] = {
    twin.sync_class: twin
    for twin in (
        AsyncToken,
        AsyncEscrow,
        AsyncAuctionHouse,
        AsyncNFT,
        AsyncEditions,
        AsyncGovernanceToken,
        AsyncTimelock,
        AsyncGovernor,
        AsyncGovernanceTokenV2,
        AsyncStaking,
        AsyncVerifierBonds,
        AsyncSoulboundBadge,
        AsyncTieredBadges,
        AsyncFundingRoundFactory,
        AsyncFundingRound,
        AsyncBadgeReputationGate,
    )
}
"""Every public client's async twin, by client class (a test keeps it complete)."""
