"""Exceptions raised by quiltkit.

Every exception derives from :class:`QuiltkitError` and, where one fits, from the matching
builtin, so callers can catch either. Contract reverts are raised as subclasses of
:class:`ContractRevert` named after the contract's custom error (``EscrowNotFound``...), carrying
the decoded arguments; input checks done before anything is sent raise :class:`InvalidInput`.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "ContractRevert",
    "InsufficientAllowance",
    "InsufficientBalance",
    "InvalidAddress",
    "InvalidInput",
    "NoContractCode",
    "PrivateKeyAsAddress",
    "QuiltkitError",
    "TransactionFailed",
    "TransactionPending",
    "UnknownRevert",
    "WrongContract",
]


class QuiltkitError(Exception):
    """Root of every quiltkit exception."""


class InvalidInput(QuiltkitError, ValueError):
    """An argument was rejected before anything was sent; the message says what to fix.

    ``field`` names the argument or model field at fault (``"amounts[0]"``, ``"sender"``) when
    there is one. A rejected value is never repeated in the message if it could be a secret.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class InvalidAddress(InvalidInput):
    """A value is not a valid address for the chain it is used on."""


class PrivateKeyAsAddress(InvalidAddress):
    """A value that looks like a private key (32 bytes of hex, or a Stellar ``S...`` secret) was
    given where an address was expected. The value is deliberately not repeated anywhere in the
    exception: pass the account (``eth_account.Account.from_key(key)``) or its address instead."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} looks like a private key, not an address (the value is not repeated here): pass the "
            "account (eth_account.Account.from_key(key), or a stellar_sdk Keypair) or its address",
            field=what,
        )


class InsufficientAllowance(InvalidInput):
    """The spender may not move enough of the sender's tokens; approve first."""

    def __init__(self, token: str, owner: str, spender: str, allowance: int, needed: int) -> None:
        self.token, self.owner, self.spender = token, owner, spender
        self.allowance, self.needed = allowance, needed
        super().__init__(
            f"{owner} allows {spender} to move {allowance} of token {token} but {needed} is needed: "
            f"approve {spender} first (or pass approve=True)"
        )


class InsufficientBalance(InvalidInput):
    """The sender holds less than the amount it tries to move."""

    def __init__(self, token: str, owner: str, balance: int, needed: int) -> None:
        self.token, self.owner, self.balance, self.needed = token, owner, balance, needed
        super().__init__(f"{owner} holds {balance} of {token or 'ETH'} but {needed} is needed")


class WrongContract(QuiltkitError, LookupError):
    """The client's address does not hold the contract the client is for (raised on its first call).

    ``address`` is the address, ``expected`` the contract the client wanted (``MilestoneEscrow``).
    """

    def __init__(self, address: str, expected: str, detail: str) -> None:
        self.address, self.expected = address, expected
        super().__init__(f"no quiltkit {expected} at {address}: {detail}")


class NoContractCode(WrongContract):
    """Nothing is deployed at the address (no code): a wrong address, chain or network."""

    def __init__(self, address: str, expected: str) -> None:
        super().__init__(address, expected, "there is no contract code there (wrong address, chain or network?)")


class TransactionFailed(QuiltkitError, RuntimeError):
    """A transaction was mined but reverted, and the revert could not be decoded."""

    def __init__(self, tx_hash: str, message: str = "") -> None:
        self.tx_hash = tx_hash
        super().__init__(f"transaction {tx_hash} reverted{': ' + message if message else ''}")


class TransactionPending(QuiltkitError, TimeoutError):
    """A sent transaction was not mined (or not deep enough) within the timeout; it may still be.

    ``tx_hash`` is the transaction to keep waiting for (``client.wait_for(tx_hash)``), ``nonce``
    the nonce to reuse with a higher fee to replace it (when known), ``mined_in`` the block it
    was mined in when only the confirmations were missing.
    """

    def __init__(self, tx_hash: str, timeout: float, *, nonce: int | None = None, mined_in: int | None = None) -> None:
        self.tx_hash, self.timeout, self.nonce, self.mined_in = tx_hash, timeout, nonce, mined_in
        where = f"mined in block {mined_in} but not yet deep enough" if mined_in is not None else "not mined"
        replace = f" or replace it (same nonce {nonce}, higher fee)" if nonce is not None else ""
        super().__init__(
            f"transaction {tx_hash} {where} after {timeout:g} s: wait again with wait_for({tx_hash!r}){replace}"
        )


class ContractRevert(QuiltkitError):
    """A contract call reverted with a custom error. Subclasses are named after the error.

    ``args_by_name`` maps the error's parameter names to decoded values; each value is also an
    attribute of the exception (``err.escrowId``).
    """

    error_name: ClassVar[str] = ""
    selector: ClassVar[str] = ""
    param_names: ClassVar[tuple[str, ...]] = ()
    param_types: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *values: Any) -> None:
        self.args_by_name: dict[str, Any] = dict(zip(self.param_names, values, strict=False))
        for name, value in self.args_by_name.items():
            setattr(self, name, value)
        shown = ", ".join(f"{k}={_show(v)}" for k, v in self.args_by_name.items())
        super().__init__(f"{self.error_name or type(self).__name__}({shown})")


class UnknownRevert(ContractRevert):
    """A revert whose data matches no known custom error (raw data kept in ``data``)."""

    def __init__(self, data: str, message: str = "") -> None:
        self.data = data
        QuiltkitError.__init__(self, message or f"execution reverted (data={data or '0x'})")
        self.args_by_name = {}


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)
