"""Choose eth-hash's keccak backend before anything hashes.

eth-hash picks its backend at the first hash (``ETH_HASH_BACKEND``, else the first installed of
pycryptodome and pysha3). pycryptodome's cffi wrapper costs about 7.7 us per 200-byte hash on this
project's machines, safe-pysha3 about 2.0 us, and a relayer hashes several times per intent (EIP-712
digests, signature recovery, intent ids). So when safe-pysha3 is installed and the environment
names no backend, quiltkit names it. Imported first by ``quiltkit/__init__.py``; a process that
hashed before importing quiltkit keeps the backend it already chose.
"""

from __future__ import annotations

import importlib.util
import os

if "ETH_HASH_BACKEND" not in os.environ and importlib.util.find_spec("sha3") is not None:
    os.environ["ETH_HASH_BACKEND"] = "pysha3"
