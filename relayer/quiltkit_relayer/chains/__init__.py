"""Chain adapters: the pipeline's only way to a chain (``evm`` now; ``soroban`` plugs in the same way)."""

from quiltkit_relayer.chains.base import ChainAdapter, ChainUnavailable

__all__ = ["ChainAdapter", "ChainUnavailable"]
