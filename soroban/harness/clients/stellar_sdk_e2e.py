"""Reference client: drives the harness with stellar-sdk 16, the way the quiltkit
Python SDK does. Not part of `cargo test`; run it by hand after building:

    cd soroban && cargo build -p quiltkit-soroban-harness
    python harness/clients/stellar_sdk_e2e.py [path/to/quiltkit-soroban-harness]

Checks: simulate -> stellar_sdk.auth.authorize_entry -> invoke with the signed
entries (ADDRESS_V2 by default, legacy ADDRESS too, nested SAC transfer auth),
the canonical payout-intent digest computed in Python equals the contract's
`intent_hash`, attested release, replay and wrong-signer rejection.
"""

import hashlib
import json
import subprocess
import sys

from stellar_sdk import Keypair, Network, scval, xdr
from stellar_sdk.auth import authorize_entry

NETWORK = "Standalone Network ; February 2017"
BIN = sys.argv[1] if len(sys.argv) > 1 else "target/debug/quiltkit-soroban-harness"


class Harness:
    def __init__(self, binary: str) -> None:
        self.proc = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.n = 0

    def request(self, method: str, **params) -> dict:
        self.n += 1
        line = json.dumps({"id": self.n, "method": method, "params": params})
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        response = json.loads(self.proc.stdout.readline())
        assert response["id"] == self.n
        return response

    def ok(self, method: str, **params) -> dict:
        response = self.request(method, **params)
        assert response["ok"], response
        return response["result"]

    def error(self, method: str, **params) -> dict:
        response = self.request(method, **params)
        assert not response["ok"], response
        return response["error"]

    def close(self) -> None:
        self.proc.stdin.close()
        assert self.proc.wait() == 0


def x(v: xdr.SCVal) -> str:
    return v.to_xdr()


def native(b64: str):
    return scval.to_native(xdr.SCVal.from_xdr(b64))


def signed_call(h: Harness, signer: Keypair, valid_until: int, credentials="address_v2", **call):
    sim = h.ok("simulate", credentials=credentials, **call)
    entries = [authorize_entry(e, signer, valid_until, NETWORK).to_xdr() for e in sim["auth_entries"]]
    return h.ok("invoke", auth_entries=entries, **call)


def main() -> None:
    h = Harness(BIN)
    admin, treasury, payer, payee, funder = (Keypair.from_raw_ed25519_seed(bytes([i]) * 32) for i in range(1, 6))
    verifiers = [Keypair.from_raw_ed25519_seed(bytes([i]) * 32) for i in (10, 11, 12)]
    for kp in (admin, treasury, payer, payee, funder):
        h.ok("create_account", public_key=kp.public_key)
    token = h.ok("deploy_sac", admin=admin.public_key)["address"]
    escrow = h.ok("deploy_escrow", admin=admin.public_key, fee_bps=250, treasury=treasury.public_key)["address"]
    h.ok("mint", token=token, to=funder.public_key, amount="5000")
    ledger = h.ok("get_ledger")
    valid_until = ledger["sequence"] + 50

    create_args = [
        scval.to_address(payer.public_key),
        scval.to_address(payee.public_key),  # Option<Address>: Some
        scval.to_address(token),
        scval.to_vec([scval.to_int128(1000), scval.to_int128(2000)]),
        scval.to_void(),  # arbiter: None
        scval.to_vec([scval.to_bytes(v.raw_public_key()) for v in verifiers]),
        scval.to_uint32(2),
        scval.to_uint64(ledger["timestamp"] + 86400),
        scval.to_uint64(7 * 86400),  # resolution window
        scval.to_bytes(b"\xab" * 32),
    ]
    r = signed_call(h, payer, valid_until, contract=escrow, function="create", args=[x(a) for a in create_args])
    assert native(r["result"]) == 0

    fund_args = [x(scval.to_address(funder.public_key)), x(scval.to_uint64(0)), x(scval.to_int128(3000))]
    sim = h.ok("simulate", contract=escrow, function="fund", args=fund_args)
    entry = xdr.SorobanAuthorizationEntry.from_xdr(sim["auth_entries"][0])
    assert entry.credentials.type == xdr.SorobanCredentialsType.SOROBAN_CREDENTIALS_ADDRESS_V2
    assert len(entry.root_invocation.sub_invocations) == 1  # the SAC transfer
    signed_call(h, funder, valid_until, contract=escrow, function="fund", args=fund_args)
    assert h.ok("balance", token=token, address=escrow)["balance"] == "3000"

    intent = scval.to_map(
        {
            scval.to_symbol("amount"): scval.to_int128(2000),
            scval.to_symbol("deadline"): scval.to_uint64(ledger["timestamp"] + 3600),
            scval.to_symbol("escrow_id"): scval.to_uint64(0),
            scval.to_symbol("evidence_hash"): scval.to_bytes(b"\x55" * 32),
            scval.to_symbol("intent_id"): scval.to_bytes(b"\x44" * 32),
            scval.to_symbol("milestone"): scval.to_uint32(1),
            scval.to_symbol("payee"): scval.to_address(payee.public_key),
            scval.to_symbol("token"): scval.to_address(token),
        }
    )
    preimage = scval.to_vec(
        [
            scval.to_symbol("qk_payout_v1"),
            scval.to_bytes(Network(NETWORK).network_id()),
            scval.to_address(escrow),
            intent,
        ]
    ).to_xdr_bytes()
    digest = hashlib.sha256(preimage).digest()
    on_chain = h.ok("invoke", contract=escrow, function="intent_hash", args=[x(intent)], auth="none")
    assert native(on_chain["result"]) == digest
    sigs = scval.to_vec(
        [scval.to_vec([scval.to_bytes(v.raw_public_key()), scval.to_bytes(v.sign(digest))]) for v in verifiers[:2]]
    )
    release = dict(contract=escrow, function="release_with_intent", args=[x(intent), x(sigs)], auth="none")
    r = h.ok("invoke", **release)
    names = [native(e["topics"][0]) for e in r["events"] if e["contract"] == escrow]
    assert names == ["milestone_released", "intent_executed"], names
    assert h.ok("balance", token=token, address=payee.public_key)["balance"] == "1950"
    assert h.ok("balance", token=token, address=treasury.public_key)["balance"] == "50"
    err = h.error("invoke", **release)
    assert (err["kind"], err["code"], err["name"]) == ("contract", 201, "IntentAlreadyConsumed"), err

    release_args = [x(scval.to_uint64(0)), x(scval.to_uint32(0))]
    sim = h.ok("simulate", contract=escrow, function="release", args=release_args, credentials="address")
    forged = authorize_entry(sim["auth_entries"][0], payee, valid_until, NETWORK).to_xdr()
    err = h.error("invoke", contract=escrow, function="release", args=release_args, auth_entries=[forged])
    assert err["scerror"] == {"type": "Auth", "code": "InvalidAction"}, err
    signed_call(h, payer, valid_until, credentials="address", contract=escrow, function="release", args=release_args)
    assert h.ok("balance", token=token, address=payee.public_key)["balance"] == "2925"
    h.close()
    print("OK")


if __name__ == "__main__":
    main()
