"""quiltkit names eth-hash's faster keccak backend (safe-pysha3, in the lock) unless the
environment names one; checked in a fresh interpreter, since the choice is made at the first hash."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = (
    "import quiltkit, quiltkit_relayer\n"
    "from eth_hash.auto import keccak\n"
    "assert keccak(b'').hex() == 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'\n"
    "print(keccak.hasher.__module__)\n"
)


def _backend(env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_importing_quiltkit_selects_pysha3_when_the_environment_names_no_backend() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ETH_HASH_BACKEND"}
    assert _backend(env) == "eth_hash.backends.pysha3"


def test_a_backend_the_environment_names_is_kept() -> None:
    env = {**os.environ, "ETH_HASH_BACKEND": "pycryptodome"}
    assert _backend(env) == "eth_hash.backends.pycryptodome"
