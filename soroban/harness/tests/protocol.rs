//! The harness protocol, end to end: a full escrow flow through JSON requests,
//! including invocations authorized by real signed `SorobanAuthorizationEntry`s
//! (ADDRESS_V2, what stellar-sdk 16 builds by default, and legacy ADDRESS),
//! enforced by the host's account authentication.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};
use soroban_sdk::{
    xdr::{
        AccountId, BytesM, ContractId, Hash, HashIdPreimage, HashIdPreimageSorobanAuthorization,
        HashIdPreimageSorobanAuthorizationWithAddress, Int128Parts, Limits, PublicKey, ReadXdr,
        ScAddress, ScBytes, ScMap, ScMapEntry, ScSymbol, ScVal, ScVec, SorobanAuthorizationEntry,
        SorobanAuthorizedFunction, SorobanCredentials, Uint256, WriteXdr,
    },
    Bytes,
};
use stellar_strkey::{ed25519, Strkey};

use quiltkit_soroban_harness::{Config, Harness, STANDALONE_PASSPHRASE};

// ---------------------------------------------------------------- helpers

struct Key(SigningKey);

impl Key {
    fn new(seed: u8) -> Self {
        Key(SigningKey::from_bytes(&[seed; 32]))
    }
    fn public(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }
    fn g(&self) -> String {
        format!(
            "{}",
            Strkey::PublicKeyEd25519(ed25519::PublicKey(self.public()))
        )
    }
    fn sc(&self) -> ScVal {
        ScVal::Address(ScAddress::Account(AccountId(
            PublicKey::PublicKeyTypeEd25519(Uint256(self.public())),
        )))
    }
}

fn call(h: &mut Harness, method: &str, params: Value) -> Value {
    let r = h.handle(&json!({"id": 1, "method": method, "params": params}));
    assert_eq!(r["ok"], true, "{method} failed: {r}");
    r["result"].clone()
}

fn call_err(h: &mut Harness, method: &str, params: Value) -> Value {
    let r = h.handle(&json!({"id": 2, "method": method, "params": params}));
    assert_eq!(r["ok"], false, "{method} unexpectedly succeeded: {r}");
    r["error"].clone()
}

fn b64<T: WriteXdr>(v: &T) -> String {
    B64.encode(v.to_xdr(Limits::none()).unwrap())
}

fn unb64<T: ReadXdr>(s: &Value) -> T {
    T::from_xdr(B64.decode(s.as_str().unwrap()).unwrap(), Limits::none()).unwrap()
}

fn contract_sc(c: &str) -> ScVal {
    match Strkey::from_string(c).unwrap() {
        Strkey::Contract(stellar_strkey::Contract(id)) => {
            ScVal::Address(ScAddress::Contract(ContractId(Hash(id))))
        }
        _ => panic!("not a contract"),
    }
}

fn sym(s: &str) -> ScVal {
    ScVal::Symbol(ScSymbol(s.try_into().unwrap()))
}

fn i128v(v: i128) -> ScVal {
    ScVal::I128(Int128Parts {
        hi: (v >> 64) as i64,
        lo: v as u64,
    })
}

fn bytes(b: &[u8]) -> ScVal {
    ScVal::Bytes(ScBytes(BytesM::try_from(b.to_vec()).unwrap()))
}

fn vecv(items: Vec<ScVal>) -> ScVal {
    ScVal::Vec(Some(ScVec(items.try_into().unwrap())))
}

fn mapv(mut entries: Vec<(&str, ScVal)>) -> ScVal {
    entries.sort_by(|a, b| a.0.cmp(b.0));
    ScVal::Map(Some(ScMap(
        entries
            .into_iter()
            .map(|(k, v)| ScMapEntry {
                key: sym(k),
                val: v,
            })
            .collect::<Vec<_>>()
            .try_into()
            .unwrap(),
    )))
}

fn sha256(h: &Harness, data: &[u8]) -> [u8; 32] {
    let env = h.env();
    env.crypto()
        .sha256(&Bytes::from_slice(env, data))
        .to_array()
}

/// Signs an entry the way stellar-sdk's `authorize_entry` does with a Keypair:
/// sets the expiration, hashes the HashIdPreimage (WithAddress for
/// ADDRESS_V2), and stores `Vec[Map{public_key, signature}]`.
fn sign_entry(
    h: &Harness,
    entry: &SorobanAuthorizationEntry,
    key: &Key,
    network_id: [u8; 32],
    valid_until: u32,
) -> SorobanAuthorizationEntry {
    let mut entry = entry.clone();
    let invocation = entry.root_invocation.clone();
    let (creds, v2) = match &mut entry.credentials {
        SorobanCredentials::Address(c) => (c, false),
        SorobanCredentials::AddressV2(c) => (c, true),
        other => panic!("unexpected credentials {other:?}"),
    };
    creds.signature_expiration_ledger = valid_until;
    let preimage = if v2 {
        HashIdPreimage::SorobanAuthorizationWithAddress(
            HashIdPreimageSorobanAuthorizationWithAddress {
                network_id: Hash(network_id),
                nonce: creds.nonce,
                signature_expiration_ledger: valid_until,
                address: creds.address.clone(),
                invocation,
            },
        )
    } else {
        HashIdPreimage::SorobanAuthorization(HashIdPreimageSorobanAuthorization {
            network_id: Hash(network_id),
            nonce: creds.nonce,
            signature_expiration_ledger: valid_until,
            invocation,
        })
    };
    let payload = sha256(h, &preimage.to_xdr(Limits::none()).unwrap());
    let sig = key.0.sign(&payload).to_bytes();
    creds.signature = vecv(vec![mapv(vec![
        ("public_key", bytes(&key.public())),
        ("signature", bytes(&sig)),
    ])]);
    entry
}

struct Actors {
    admin: Key,
    treasury: Key,
    payer: Key,
    payee: Key,
    funder: Key,
    verifiers: Vec<Key>,
}

struct Deployed {
    token: String,
    escrow: String,
    network_id: [u8; 32],
}

fn actors() -> Actors {
    Actors {
        admin: Key::new(1),
        treasury: Key::new(2),
        payer: Key::new(3),
        payee: Key::new(4),
        funder: Key::new(5),
        verifiers: (10..13).map(Key::new).collect(),
    }
}

fn deploy(h: &mut Harness, a: &Actors) -> Deployed {
    for k in [&a.admin, &a.treasury, &a.payer, &a.payee, &a.funder] {
        let r = call(h, "create_account", json!({"public_key": k.g()}));
        assert_eq!(r["address"], k.g());
        assert_eq!(r["created"], true);
    }
    let token = call(h, "deploy_sac", json!({"admin": a.admin.g()}))["address"]
        .as_str()
        .unwrap()
        .to_string();
    let escrow = call(
        h,
        "deploy_escrow",
        json!({"admin": a.admin.g(), "fee_bps": 250, "treasury": a.treasury.g()}),
    )["address"]
        .as_str()
        .unwrap()
        .to_string();
    let r = call(
        h,
        "mint",
        json!({"token": token, "to": a.funder.g(), "amount": "100000"}),
    );
    assert_eq!(r["balance"], "100000");
    let nid = call(h, "network_id", json!({}));
    let network_id: [u8; 32] = hex_decode(nid["network_id"].as_str().unwrap());
    Deployed {
        token,
        escrow,
        network_id,
    }
}

fn hex_decode(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

fn balance(h: &mut Harness, token: &str, who: &str) -> String {
    call(h, "balance", json!({"token": token, "address": who}))["balance"]
        .as_str()
        .unwrap()
        .to_string()
}

fn create_args(a: &Actors, d: &Deployed, deadline: u64) -> Vec<String> {
    let verifiers = vecv(a.verifiers.iter().map(|k| bytes(&k.public())).collect());
    [
        a.payer.sc(),
        a.payee.sc(),          // Option<Address>::Some
        contract_sc(&d.token), // token
        vecv(vec![i128v(1_000), i128v(2_000)]),
        ScVal::Void, // arbiter: None
        verifiers,
        ScVal::U32(2),
        ScVal::U64(deadline),
        ScVal::U64(7 * 86_400), // resolution window
        bytes(&[0xab; 32]),
    ]
    .iter()
    .map(b64)
    .collect()
}

fn fund_args(a: &Actors, amount: i128) -> Vec<String> {
    [a.funder.sc(), ScVal::U64(0), i128v(amount)]
        .iter()
        .map(b64)
        .collect()
}

// ---------------------------------------------------------------- tests

#[test]
fn test_basic_commands() {
    let mut h = Harness::new(Config::default());
    assert_eq!(call(&mut h, "ping", json!({}))["pong"], true);
    let nid = call(&mut h, "network_id", json!({}));
    assert_eq!(nid["network_passphrase"], STANDALONE_PASSPHRASE);
    // sha256("Standalone Network ; February 2017")
    assert_eq!(
        nid["network_id"],
        "baefd734b8d3e48472cff83912375fedbc7573701912fe308af730180f97d74a"
    );
    let l = call(
        &mut h,
        "set_ledger",
        json!({"timestamp": 1_800_000_000u64, "sequence": 500}),
    );
    assert_eq!(l["timestamp"], 1_800_000_000u64);
    assert_eq!(l["sequence"], 500);
    assert_eq!(l["protocol_version"], 29);
    let l = call(&mut h, "advance_ledger", json!({"ledgers": 10}));
    assert_eq!(l["sequence"], 510);
    assert_eq!(l["timestamp"], 1_800_000_050u64);
    assert_eq!(call(&mut h, "get_ledger", json!({}))["sequence"], 510);

    assert_eq!(
        call_err(&mut h, "nope", json!({}))["kind"],
        "invalid_request"
    );
    assert_eq!(
        call_err(&mut h, "create_account", json!({"public_key": "GXYZ"}))["kind"],
        "invalid_request"
    );
    assert_eq!(
        call_err(
            &mut h,
            "invoke",
            json!({"contract": "CAIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRDB3V",
                   "function": "bad-name", "args": []})
        )["kind"],
        "invalid_request"
    );
    let line = h.handle_line("{not json");
    let v: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["id"], Value::Null);
    let line = h.handle_line(r#"{"id":"abc","method":"ping"}"#);
    let v: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["id"], "abc");
    assert_eq!(v["ok"], true);

    let a = actors();
    let err = call_err(
        &mut h,
        "deploy_escrow",
        json!({"admin": a.admin.g(), "fee_bps": 1001, "treasury": a.treasury.g()}),
    );
    assert_eq!(err["kind"], "contract");
    assert_eq!(err["code"], 2);
    assert_eq!(err["name"], "FeeTooHigh");
}

#[test]
fn test_full_escrow_flow_with_signed_auth_entries() {
    let mut h = Harness::new(Config::default());
    let a = actors();
    let d = deploy(&mut h, &a);
    let now = call(&mut h, "get_ledger", json!({}))["timestamp"]
        .as_u64()
        .unwrap();
    let seq = call(&mut h, "get_ledger", json!({}))["sequence"]
        .as_u64()
        .unwrap() as u32;
    let deadline = now + 86_400;

    // create, with recording auth: the recorded (unsigned) entry names the payer.
    let r = call(
        &mut h,
        "invoke",
        json!({"contract": d.escrow, "function": "create", "args": create_args(&a, &d, deadline), "auth": "record"}),
    );
    assert_eq!(unb64::<ScVal>(&r["result"]), ScVal::U64(0));
    let recorded = r["auth_entries"].as_array().unwrap();
    assert_eq!(recorded.len(), 1);
    let e: SorobanAuthorizationEntry = unb64(&recorded[0]);
    match &e.credentials {
        SorobanCredentials::AddressV2(c) => {
            assert_eq!(ScVal::Address(c.address.clone()), a.payer.sc())
        }
        other => panic!("{other:?}"),
    }
    let ev = r["events"].as_array().unwrap();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["contract"], d.escrow.as_str());
    assert_eq!(unb64::<ScVal>(&ev[0]["topics"][0]), sym("escrow_created"));

    // simulate fund: nothing changes, and we get the entry to sign, with the
    // nested token transfer.
    let sim = call(
        &mut h,
        "simulate",
        json!({"contract": d.escrow, "function": "fund", "args": fund_args(&a, 1_000)}),
    );
    // fund returns what it credited (i128 1,000).
    assert_eq!(
        unb64::<ScVal>(&sim["result"]),
        ScVal::I128(Int128Parts { hi: 0, lo: 1_000 })
    );
    assert_eq!(sim["events"].as_array().unwrap().len(), 2); // escrow_funded + SAC transfer
    let entries = sim["auth_entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    let unsigned: SorobanAuthorizationEntry = unb64(&entries[0]);
    match &unsigned.root_invocation.function {
        SorobanAuthorizedFunction::ContractFn(f) => {
            assert_eq!(f.function_name.0.to_utf8_string().unwrap(), "fund")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(unsigned.root_invocation.sub_invocations.len(), 1);
    assert_eq!(balance(&mut h, &d.token, &a.funder.g()), "100000");
    let get_escrow = |h: &mut Harness| {
        let r = call(
            h,
            "invoke",
            json!({"contract": d.escrow, "function": "get_escrow", "args": [b64(&ScVal::U64(0))]}),
        );
        unb64::<ScVal>(&r["result"])
    };
    let funded_of = |v: &ScVal| match v {
        ScVal::Map(Some(m)) => m
            .iter()
            .find(|e| e.key == sym("funded"))
            .map(|e| e.val.clone())
            .unwrap(),
        _ => panic!(),
    };
    assert_eq!(funded_of(&get_escrow(&mut h)), i128v(0));

    // Without authorization the host refuses.
    let err = call_err(
        &mut h,
        "invoke",
        json!({"contract": d.escrow, "function": "fund", "args": fund_args(&a, 1_000), "auth": "none"}),
    );
    assert_eq!(err["kind"], "host", "{err}");
    assert_eq!(
        err["scerror"],
        json!({"type": "Auth", "code": "InvalidAction"})
    );

    // Signed by the wrong key: refused.
    let forged = sign_entry(&h, &unsigned, &a.payee, d.network_id, seq + 100);
    let err = call_err(
        &mut h,
        "invoke",
        json!({"contract": d.escrow, "function": "fund", "args": fund_args(&a, 1_000), "auth_entries": [b64(&forged)]}),
    );
    assert_eq!(err["kind"], "host", "{err}");
    assert_eq!(
        err["scerror"],
        json!({"type": "Auth", "code": "InvalidAction"})
    );

    // Signed by the funder (ADDRESS_V2): accepted and enforced by the host.
    let signed = sign_entry(&h, &unsigned, &a.funder, d.network_id, seq + 100);
    let r = call(
        &mut h,
        "invoke",
        json!({"contract": d.escrow, "function": "fund", "args": fund_args(&a, 1_000), "auth_entries": [b64(&signed)]}),
    );
    assert!(r.get("auth_entries").is_none());
    assert_eq!(balance(&mut h, &d.token, &a.funder.g()), "99000");
    assert_eq!(balance(&mut h, &d.token, &d.escrow), "1000");
    assert_eq!(funded_of(&get_escrow(&mut h)), i128v(1_000));

    // The same signed entry again: the nonce is consumed, the host refuses.
    let err = call_err(
        &mut h,
        "invoke",
        json!({"contract": d.escrow, "function": "fund", "args": fund_args(&a, 1_000), "auth_entries": [b64(&signed)]}),
    );
    assert_eq!(err["kind"], "host", "{err}");
    assert_eq!(
        err["scerror"],
        json!({"type": "Auth", "code": "ExistingValue"})
    );

    // Signed for different arguments than invoked: refused.
    let err = call_err(
        &mut h,
        "invoke",
        json!({"contract": d.escrow, "function": "fund", "args": fund_args(&a, 2_000), "auth_entries": [b64(&signed)]}),
    );
    assert_eq!(err["kind"], "host", "{err}");
    assert_eq!(
        err["scerror"],
        json!({"type": "Auth", "code": "InvalidAction"})
    );

    // Legacy ADDRESS credentials, via an InvokeContractArgs XDR call target.
    let sim = call(
        &mut h,
        "simulate",
        json!({"contract": d.escrow, "function": "fund", "args": fund_args(&a, 1_500), "credentials": "address"}),
    );
    let unsigned: SorobanAuthorizationEntry = unb64(&sim["auth_entries"][0]);
    assert!(matches!(
        unsigned.credentials,
        SorobanCredentials::Address(_)
    ));
    let signed = sign_entry(&h, &unsigned, &a.funder, d.network_id, seq + 10);
    let ica = match &unsigned.root_invocation.function {
        SorobanAuthorizedFunction::ContractFn(f) => f.clone(),
        _ => unreachable!(),
    };
    call(
        &mut h,
        "invoke",
        json!({"invoke_args": b64(&ica), "auth_entries": [b64(&signed)]}),
    );
    assert_eq!(balance(&mut h, &d.token, &d.escrow), "2500");

    // Expired signature (valid_until below the current ledger): refused.
    let sim = call(
        &mut h,
        "simulate",
        json!({"contract": d.escrow, "function": "fund", "args": fund_args(&a, 1)}),
    );
    let unsigned: SorobanAuthorizationEntry = unb64(&sim["auth_entries"][0]);
    let signed = sign_entry(&h, &unsigned, &a.funder, d.network_id, seq + 10);
    call(&mut h, "advance_ledger", json!({"ledgers": 11}));
    let err = call_err(
        &mut h,
        "invoke",
        json!({"contract": d.escrow, "function": "fund", "args": fund_args(&a, 1), "auth_entries": [b64(&signed)]}),
    );
    assert_eq!(err["kind"], "host", "{err}");
    assert_eq!(
        err["scerror"],
        json!({"type": "Auth", "code": "InvalidInput"})
    );

    // Recording auth ("record" is the default) funds the rest.
    call(
        &mut h,
        "invoke",
        json!({"contract": d.escrow, "function": "fund", "args": fund_args(&a, 500)}),
    );
    // A contract error: nothing is left to fund.
    let err = call_err(
        &mut h,
        "invoke",
        json!({"contract": d.escrow, "function": "fund", "args": fund_args(&a, 1)}),
    );
    assert_eq!(err["kind"], "contract");
    assert_eq!(err["code"], 143);
    assert_eq!(err["name"], "FullyFunded");

    // Attested release: ask the contract for the digest, sign with 2 verifiers,
    // submit with no authorization at all.
    let intent = mapv(vec![
        ("escrow_id", ScVal::U64(0)),
        ("milestone", ScVal::U32(1)),
        ("payee", a.payee.sc()),
        ("amount", i128v(2_000)),
        ("token", contract_sc(&d.token)),
        ("intent_id", bytes(&[0x77; 32])),
        ("deadline", ScVal::U64(deadline)),
        ("evidence_hash", bytes(&[0x55; 32])),
    ]);
    let r = call(
        &mut h,
        "invoke",
        json!({"contract": d.escrow, "function": "intent_hash", "args": [b64(&intent)], "auth": "none"}),
    );
    let digest = match unb64::<ScVal>(&r["result"]) {
        ScVal::Bytes(b) => b.to_vec(),
        other => panic!("{other:?}"),
    };
    let sigs = vecv(
        a.verifiers[..2]
            .iter()
            .map(|k| {
                vecv(vec![
                    bytes(&k.public()),
                    bytes(&k.0.sign(&digest).to_bytes()),
                ])
            })
            .collect(),
    );
    let r = call(
        &mut h,
        "invoke",
        json!({"contract": d.escrow, "function": "release_with_intent",
               "args": [b64(&intent), b64(&sigs)], "auth": "none"}),
    );
    let topics: Vec<ScVal> = r["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["contract"] == d.escrow.as_str())
        .map(|e| unb64::<ScVal>(&e["topics"][0]))
        .collect();
    assert_eq!(
        topics,
        vec![sym("milestone_released"), sym("intent_executed")]
    );
    assert_eq!(balance(&mut h, &d.token, &a.payee.g()), "1950");
    assert_eq!(balance(&mut h, &d.token, &a.treasury.g()), "50");
    let err = call_err(
        &mut h,
        "invoke",
        json!({"contract": d.escrow, "function": "release_with_intent",
               "args": [b64(&intent), b64(&sigs)], "auth": "none"}),
    );
    // A replay: the milestone is the guard.
    assert_eq!(err["code"], 122);
    assert_eq!(err["name"], "MilestoneAlreadyReleased");

    // The payer releases milestone 0 with a signed entry.
    let args: Vec<String> = [ScVal::U64(0), ScVal::U32(0)].iter().map(b64).collect();
    let sim = call(
        &mut h,
        "simulate",
        json!({"contract": d.escrow, "function": "release", "args": args}),
    );
    let unsigned: SorobanAuthorizationEntry = unb64(&sim["auth_entries"][0]);
    let seq = call(&mut h, "get_ledger", json!({}))["sequence"]
        .as_u64()
        .unwrap() as u32;
    let signed = sign_entry(&h, &unsigned, &a.payer, d.network_id, seq + 5);
    call(
        &mut h,
        "invoke",
        json!({"contract": d.escrow, "function": "release", "args": args, "auth_entries": [b64(&signed)]}),
    );
    assert_eq!(balance(&mut h, &d.token, &a.payee.g()), "2925");
    assert_eq!(balance(&mut h, &d.token, &d.escrow), "0");

    // Event log with cursors.
    let all = call(&mut h, "events", json!({"contract": d.escrow}));
    let names: Vec<ScVal> = all["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| unb64::<ScVal>(&e["topics"][0]))
        .collect();
    assert_eq!(
        names,
        vec![
            sym("initialized"),
            sym("escrow_created"),
            sym("escrow_funded"),
            sym("escrow_funded"),
            sym("escrow_funded"),
            sym("milestone_released"),
            sym("intent_executed"),
            sym("milestone_released"),
        ]
    );
    let page = call(&mut h, "events", json!({"cursor": 0, "limit": 2}));
    assert_eq!(page["events"].as_array().unwrap().len(), 2);
    let rest = call(&mut h, "events", json!({"cursor": page["cursor"]}));
    let total = call(&mut h, "events", json!({}))["events"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(rest["events"].as_array().unwrap().len(), total - 2);
    let end = call(&mut h, "events", json!({"cursor": rest["cursor"]}));
    assert_eq!(end["events"].as_array().unwrap().len(), 0);
    assert_eq!(end["cursor"], rest["cursor"]);
}

#[test]
fn test_binary_speaks_json_lines() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_quiltkit-soroban-harness"))
        .args(["--network-passphrase", "Test SDF Network ; September 2015"])
        .args(["--timestamp", "1700000000", "--sequence", "42"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut ask = |req: Value| -> Value {
        writeln!(stdin, "{req}").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap()
    };
    let a = actors();
    let r = ask(json!({"id": 1, "method": "network_id"}));
    assert_eq!(
        r["result"]["network_id"],
        "cee0302d59844d32bdca915c8203dd44b33fbb7edc19051ea37abedf28ecd472"
    );
    let r = ask(json!({"id": 2, "method": "get_ledger"}));
    assert_eq!(r["result"]["sequence"], 42);
    let r = ask(json!({"id": 3, "method": "deploy_escrow",
                        "params": {"admin": a.admin.g(), "fee_bps": 100, "treasury": a.treasury.g()}}));
    assert_eq!(r["id"], 3);
    let escrow = r["result"]["address"].as_str().unwrap().to_string();
    let r = ask(json!({"id": 4, "method": "invoke",
                        "params": {"contract": escrow, "function": "get_escrow", "args": [b64(&ScVal::U64(9))]}}));
    assert_eq!(r["ok"], false);
    assert_eq!(r["error"]["kind"], "contract");
    assert_eq!(r["error"]["code"], 100);
    assert_eq!(r["error"]["name"], "EscrowNotFound");
    let r = ask(json!({"id": 5, "method": "invoke",
                        "params": {"contract": escrow, "function": "config", "args": []}}));
    assert_eq!(r["ok"], true);
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn test_source_account_credentials() {
    let mut h = Harness::new(Config::default());
    let a = actors();
    let d = deploy(&mut h, &a);
    let now = call(&mut h, "get_ledger", json!({}))["timestamp"]
        .as_u64()
        .unwrap();
    let args = create_args(&a, &d, now + 60);
    // With the payer as transaction source, recording yields SOURCE_ACCOUNT
    // credentials, which need no signature...
    let sim = call(
        &mut h,
        "simulate",
        json!({"contract": d.escrow, "function": "create", "args": args, "source": a.payer.g()}),
    );
    let entry: SorobanAuthorizationEntry = unb64(&sim["auth_entries"][0]);
    assert_eq!(entry.credentials, SorobanCredentials::SourceAccount);
    let r = call(
        &mut h,
        "invoke",
        json!({"contract": d.escrow, "function": "create", "args": args,
               "auth_entries": [b64(&entry)], "source": a.payer.g()}),
    );
    assert_eq!(unb64::<ScVal>(&r["result"]), ScVal::U64(0));
    // ...but only when the payer really is the source.
    let err = call_err(
        &mut h,
        "invoke",
        json!({"contract": d.escrow, "function": "create", "args": args,
               "auth_entries": [b64(&entry)], "source": a.funder.g()}),
    );
    assert_eq!(
        err["scerror"],
        json!({"type": "Auth", "code": "InvalidAction"})
    );
}

#[test]
fn test_deploy_test_token() {
    let mut h = Harness::new(Config::default());
    let holder = Key::new(41);
    call(&mut h, "create_account", json!({"public_key": holder.g()}));
    let sink = Key::new(42);
    call(&mut h, "create_account", json!({"public_key": sink.g()}));
    let fee = call(
        &mut h,
        "deploy_test_token",
        json!({"kind": "fee_on_transfer", "fee_bps": 250}),
    )["address"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(fee.starts_with('C'));
    let r = call(
        &mut h,
        "mint",
        json!({"token": fee, "to": holder.g(), "amount": "1000"}),
    );
    assert_eq!(r["balance"], "1000");
    // A transfer of 400 delivers 390 (2.5% withheld).
    let args: Vec<String> = [holder.sc(), sink.sc(), i128v(400)]
        .iter()
        .map(b64)
        .collect();
    call(
        &mut h,
        "invoke",
        json!({"contract": fee, "function": "transfer", "args": args}),
    );
    assert_eq!(balance(&mut h, &fee, &holder.g()), "600");
    assert_eq!(balance(&mut h, &fee, &sink.g()), "390");

    let sac = call(&mut h, "deploy_sac", json!({"admin": holder.g()}))["address"]
        .as_str()
        .unwrap()
        .to_string();
    let hostile = call(
        &mut h,
        "deploy_test_token",
        json!({"kind": "hostile", "stolen": sac, "thief": sink.g()}),
    );
    assert!(hostile["address"].as_str().unwrap().starts_with('C'));
    for bad in [
        json!({"kind": "nope"}),
        json!({"kind": "fee_on_transfer", "fee_bps": 10_001}),
        json!({"kind": "hostile"}),
    ] {
        assert_eq!(
            call_err(&mut h, "deploy_test_token", bad)["kind"],
            "invalid_request"
        );
    }
}
