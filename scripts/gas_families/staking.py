"""Staking: ours (votes kept) beside Uniswap's StakingRewards, the Synthetix algorithm, from its npm bytecode."""

from __future__ import annotations

from gas_families.table import Family, Figures, Row


def _ratios(figures: Figures, missing: list[str]) -> list[str]:
    """The two-token claim against one, and the bonded release against the unbonded one."""
    lines = ["", "## Ratios and deltas", ""]
    one, two = figures.get("claim_repeat"), figures.get("claimAll_repeat_twoTokens")
    if one and two:
        ok = "met" if two <= 1.5 * one else "**missed**"
        ratio = f"{two:,} / {one:,} = {two / one:.2f}x"
        lines.append(f"- claim of two reward tokens / claim of one: {ratio} (target <= 1.5x: {ok})")
    else:
        missing += [k for k in ("claim_repeat", "claimAll_repeat_twoTokens") if k not in figures]
    unbonded, bonded = figures.get("release_unbondedSet_2signers"), figures.get("release_bondedSet_2signers")
    if unbonded and bonded:
        delta = bonded - unbonded
        ok = "met" if delta <= 5_000 else f"**missed by {delta - 5_000:,}**"
        lines.append(
            "- bonded-set release - unbonded-set release (MilestoneEscrow, 2 of 3 signers):"
            f" {delta:,} (target <= 5,000: {ok})"
        )
    return lines


FAMILY = Family(
    title="Staking gas",
    name="staking",
    snapshot="Staking.json",
    output="staking-gas.md",
    forge_match="tests/forge/staking/Staking.gas.t.sol",
    intro=(
        "Full-transaction gas (21,000 base, calldata, cold storage and accounts, net of refunds), one",
        "transaction per call, EVM `cancun`, solc 0.8.30, optimizer 10,000 runs. The reference is Uniswap's",
        "StakingRewards (the Synthetix algorithm) deployed from the bytecode the npm package",
        "`@uniswap/liquidity-staker` ships (build/StakingRewards.json) and measured in the same run. Ours keeps",
        "the staked tokens in the holder's balance with their votes (a lock inside GovernanceTokenV2); Uniswap's",
        "moves them into its vault.",
    ),
    conditions=(
        "Conditions: two stakers of 10,000 each who have accrued and settled once, one reward stream running",
        "(a 6-decimal stablecoin in ours, Uniswap's single reward token), an hour between actions. `first`:",
        "the account's first stake or first claim (its reward-token balance is created).",
    ),
    reference_header="Uniswap StakingRewards",
    rows=(
        Row("stake_first", "stake, first stake of the account", reference="ref_stake_first"),
        Row("stake_existing", "stake, existing staker", 100_000, reference="ref_stake_existing"),
        Row("unstake_part", "unstake part (immediate)", 73_000, reference="ref_withdraw_part"),
        Row("claim_first", "claim one token, first claim", reference="ref_getReward_first"),
        Row("claim_repeat", "claim one token, repeat", 70_000, reference="ref_getReward_repeat"),
        Row("claimAll_repeat_twoTokens", "claimAll, two reward tokens, repeat"),
        Row("claim_repeat_oneOfTwoTokens", "claim one of two reward tokens, repeat"),
        Row("claim_repeat_governanceToken", "claim the governance token (a votes transfer), repeat"),
        Row("stake_existing_twoTokens_afterClaim", "stake, existing staker, two tokens, after claimAll"),
        Row(
            "notifyRewardAmount_topUp",
            "notifyRewardAmount, top-up of a running stream",
            reference="ref_notifyRewardAmount_topUp",
        ),
        Row("transfer_stakerWithLock", "governance-token transfer by a staker (votes move; lock checked)"),
        Row("bond_first", "bond, first bond"),
        Row("slash", "slash part of a bond to the treasury"),
        Row("release_unbondedSet_2signers", "MilestoneEscrow attested release, unbonded set, 2 of 3 signers"),
        Row(
            "release_bondedSet_2signers",
            "MilestoneEscrow attested release, bonded set with one member suspended, 2 of 3 signers",
        ),
        Row("pushSuspensions_3members", "pushSuspensions of a 3-member set into the escrow (anyone)"),
    ),
    known=("ref_exit", "ref_transfer_testToken"),
    sections=(_ratios,),
)
