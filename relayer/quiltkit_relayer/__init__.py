"""quiltkit_relayer: verified payout intents in, exactly-once payouts out.

The relayer pays gas to submit intents that an escrow's verifiers signed; the contract checks the
signatures and consumes each intent id once. Intake (HTTP API, GitHub webhooks), a durable queue
(SQLite or PostgreSQL), a staged pipeline (verify, submit, confirm) over a chain adapter, and a
keeper for due work that needs no signature. Start it with ``quiltkit relayer run``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
