//! Local Soroban harness: one long-lived `soroban-sdk` testutils `Env` (the real
//! Soroban host, in process) with the quiltkit escrow registered natively,
//! driven by JSON lines. The protocol is documented in `soroban/README.md`.
//!
//! [`Harness::handle_line`] maps one request line to one response line; the
//! binary (`src/main.rs`) is a stdin/stdout loop around it.

mod protocol;
mod simulator;
pub mod test_tokens;

use std::collections::BTreeSet;
use std::rc::Rc;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Map, Value};
use soroban_sdk::{
    testutils::{EnvTestConfig, Events as _, Ledger as _},
    token::TokenClient,
    xdr::{
        self, AccountEntry, AccountEntryExt, AccountId, Asset, ContractEvent, ContractEventBody,
        Hash, InvokeContractArgs, LedgerEntry, LedgerEntryData, LedgerEntryExt, LedgerKey,
        LedgerKeyAccount, LedgerKeyTrustLine, Limits, PublicKey, ReadXdr, ScAddress, ScError,
        ScVal, SequenceNumber, SorobanAddressCredentials, SorobanAuthorizationEntry,
        SorobanCredentials, Thresholds, TrustLineAsset, TrustLineEntry, TrustLineEntryExt, Uint256,
        WriteXdr,
    },
    Address, Bytes, Env, IntoVal, Symbol, TryFromVal, Val, Vec as SorobanVec,
};

use quiltkit_soroban_escrow::{EscrowError, SorobanEscrow, MAX_FEE_BPS};
use soroban_env_host::{Env as _, HostError};

pub use protocol::HarnessError;
use simulator::{SimOutcome, Simulator};

/// Network passphrase of a standalone network (`stellar container start local`).
pub const STANDALONE_PASSPHRASE: &str = "Standalone Network ; February 2017";
/// Protocol version of the JSON-lines protocol (bumped on breaking changes).
pub const PROTOCOL_VERSION: u32 = 1;

/// Start-up settings.
#[derive(Clone, Debug)]
pub struct Config {
    pub network_passphrase: String,
    pub timestamp: u64,
    pub sequence: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            network_passphrase: STANDALONE_PASSPHRASE.to_string(),
            timestamp: 1_700_000_000,
            sequence: 100,
        }
    }
}

/// How an `invoke` is authorized.
enum AuthMode {
    /// Recording auth (like `mock_all_auths`): every `require_auth` passes and
    /// is recorded; the recorded entries are returned unsigned.
    Record,
    /// Enforcing auth with exactly these (signed) entries; `[]` means none.
    Enforce(std::vec::Vec<SorobanAuthorizationEntry>),
}

/// The harness state: one host, and what was created through it.
pub struct Harness {
    env: Env,
    passphrase: String,
    network_id: [u8; 32],
    /// ed25519 keys of accounts with a ledger entry (created or auto-created).
    accounts: BTreeSet<[u8; 32]>,
    /// Assets of every SAC deployed here (every account trusts every asset).
    assets: std::vec::Vec<Asset>,
    /// Escrow contracts deployed here (their error codes are named in errors).
    escrows: BTreeSet<[u8; 32]>,
    events: std::vec::Vec<Value>,
    invocations: u64,
    simulator: Address,
}

type Res = Result<Value, HarnessError>;

impl Harness {
    pub fn new(config: Config) -> Self {
        let env = Env::new_with_config(EnvTestConfig {
            capture_snapshot_at_drop: false,
        });
        let network_id = sha256(&env, config.network_passphrase.as_bytes());
        env.ledger().with_mut(|l| {
            l.network_id = network_id;
            l.timestamp = config.timestamp;
            l.sequence_number = config.sequence;
        });
        let simulator = env.register(Simulator, ());
        Harness {
            env,
            passphrase: config.network_passphrase,
            network_id,
            accounts: BTreeSet::new(),
            assets: std::vec::Vec::new(),
            escrows: BTreeSet::new(),
            events: std::vec::Vec::new(),
            invocations: 0,
            simulator,
        }
    }

    /// The underlying host environment (for tests).
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// Handles one request line and returns one response line (no newline).
    pub fn handle_line(&mut self, line: &str) -> String {
        let response = match serde_json::from_str::<Value>(line) {
            Ok(request) => self.handle(&request),
            Err(e) => protocol::error_response(
                &Value::Null,
                &HarnessError::invalid(format!("request is not JSON: {e}")),
            ),
        };
        response.to_string()
    }

    /// Handles one request object.
    pub fn handle(&mut self, request: &Value) -> Value {
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let outcome = match request.get("method").and_then(Value::as_str) {
            None => Err(HarnessError::invalid("missing string field `method`")),
            Some(method) => {
                let empty = Value::Object(Map::new());
                let params = request.get("params").unwrap_or(&empty);
                if !params.is_object() {
                    Err(HarnessError::invalid("`params` must be an object"))
                } else {
                    let method = method.to_string();
                    let params = params.clone();
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.dispatch(&method, &params)
                    }))
                    .unwrap_or_else(|panic| Err(HarnessError::internal(panic_message(&panic))))
                }
            }
        };
        match outcome {
            Ok(result) => json!({"id": id, "ok": true, "result": result}),
            Err(e) => protocol::error_response(&id, &e),
        }
    }

    fn dispatch(&mut self, method: &str, p: &Value) -> Res {
        match method {
            "ping" => Ok(json!({"pong": true, "protocol_version": PROTOCOL_VERSION})),
            "network_id" => Ok(json!({
                "network_id": hex(&self.network_id),
                "network_passphrase": self.passphrase,
            })),
            "get_ledger" => Ok(self.ledger_json()),
            "set_ledger" => self.set_ledger(p),
            "advance_ledger" => self.advance_ledger(p),
            "create_account" => self.create_account(p),
            "deploy_sac" => self.deploy_sac(p),
            "deploy_escrow" => self.deploy_escrow(p),
            "deploy_test_token" => self.deploy_test_token(p),
            "mint" => self.mint(p),
            "balance" => self.balance(p),
            "invoke" => self.invoke(p),
            "simulate" => self.simulate(p),
            "events" => self.events(p),
            other => Err(HarnessError::invalid(format!("unknown method `{other}`"))),
        }
    }

    // ------------------------------------------------------------ ledger

    fn ledger_json(&self) -> Value {
        let l = self.env.ledger().get();
        json!({
            "sequence": l.sequence_number,
            "timestamp": l.timestamp,
            "protocol_version": l.protocol_version,
            "network_id": hex(&l.network_id),
            "network_passphrase": self.passphrase,
            "min_persistent_entry_ttl": l.min_persistent_entry_ttl,
            "min_temp_entry_ttl": l.min_temp_entry_ttl,
            "max_entry_ttl": l.max_entry_ttl,
        })
    }

    fn set_ledger(&mut self, p: &Value) -> Res {
        let timestamp = protocol::opt_u64(p, "timestamp")?;
        let sequence = protocol::opt_u64(p, "sequence")?
            .map(|s| u32::try_from(s).map_err(|_| HarnessError::invalid("`sequence` exceeds u32")))
            .transpose()?;
        self.env.ledger().with_mut(|l| {
            if let Some(t) = timestamp {
                l.timestamp = t;
            }
            if let Some(s) = sequence {
                l.sequence_number = s;
            }
        });
        Ok(self.ledger_json())
    }

    fn advance_ledger(&mut self, p: &Value) -> Res {
        let ledgers = protocol::opt_u64(p, "ledgers")?.unwrap_or(0);
        let seconds = protocol::opt_u64(p, "seconds")?.unwrap_or(ledgers * 5);
        let ledgers =
            u32::try_from(ledgers).map_err(|_| HarnessError::invalid("`ledgers` exceeds u32"))?;
        self.env.ledger().with_mut(|l| {
            l.sequence_number = l.sequence_number.saturating_add(ledgers);
            l.timestamp = l.timestamp.saturating_add(seconds);
        });
        Ok(self.ledger_json())
    }

    // ------------------------------------------------------------ accounts and tokens

    fn create_account(&mut self, p: &Value) -> Res {
        let key = protocol::account_key(protocol::req_str(p, "public_key")?)?;
        let balance = protocol::opt_i64(p, "balance")?.unwrap_or(10_000_000_000);
        let created = self.ensure_account(key, balance);
        Ok(json!({"address": protocol::account_strkey(&key), "created": created}))
    }

    /// Creates the account ledger entry (master key = the account key, weight 1,
    /// all thresholds 0 except master) and a trustline to every harness asset.
    fn ensure_account(&mut self, key: [u8; 32], balance: i64) -> bool {
        if !self.accounts.insert(key) {
            return false;
        }
        let account_id = account_id(key);
        let ledger_key = Rc::new(LedgerKey::Account(LedgerKeyAccount {
            account_id: account_id.clone(),
        }));
        let host = self.env.host();
        if host.get_ledger_entry(&ledger_key).unwrap().is_none() {
            let entry = Rc::new(LedgerEntry {
                last_modified_ledger_seq: 0,
                data: LedgerEntryData::Account(AccountEntry {
                    account_id,
                    balance,
                    seq_num: SequenceNumber(0),
                    num_sub_entries: 0,
                    inflation_dest: None,
                    flags: 0,
                    home_domain: Default::default(),
                    thresholds: Thresholds([1, 0, 0, 0]),
                    signers: Default::default(),
                    ext: AccountEntryExt::V0,
                }),
                ext: LedgerEntryExt::V0,
            });
            host.add_ledger_entry(&ledger_key, &entry, None).unwrap();
        }
        for asset in self.assets.clone() {
            self.ensure_trustline(key, &asset);
        }
        true
    }

    fn ensure_trustline(&self, key: [u8; 32], asset: &Asset) {
        let tl_asset = match asset {
            Asset::CreditAlphanum4(a) => TrustLineAsset::CreditAlphanum4(a.clone()),
            Asset::CreditAlphanum12(a) => TrustLineAsset::CreditAlphanum12(a.clone()),
            Asset::Native => return,
        };
        // The issuer holds its own asset without a trustline.
        let issuer = match asset {
            Asset::CreditAlphanum4(a) => &a.issuer,
            Asset::CreditAlphanum12(a) => &a.issuer,
            Asset::Native => return,
        };
        if *issuer == account_id(key) {
            return;
        }
        let ledger_key = Rc::new(LedgerKey::Trustline(LedgerKeyTrustLine {
            account_id: account_id(key),
            asset: tl_asset.clone(),
        }));
        let host = self.env.host();
        if host.get_ledger_entry(&ledger_key).unwrap().is_some() {
            return;
        }
        let entry = Rc::new(LedgerEntry {
            last_modified_ledger_seq: 0,
            data: LedgerEntryData::Trustline(TrustLineEntry {
                account_id: account_id(key),
                asset: tl_asset,
                balance: 0,
                limit: i64::MAX,
                flags: 1, // AUTHORIZED_FLAG
                ext: TrustLineEntryExt::V0,
            }),
            ext: LedgerEntryExt::V0,
        });
        host.add_ledger_entry(&ledger_key, &entry, None).unwrap();
    }

    fn deploy_sac(&mut self, p: &Value) -> Res {
        let admin = self.address(protocol::req_str(p, "admin")?)?;
        let sac = self.env.register_stellar_asset_contract_v2(admin);
        self.invocations += 1;
        let asset = sac.asset();
        for key in self.accounts.clone() {
            self.ensure_trustline(key, &asset);
        }
        self.assets.push(asset.clone());
        let issuer = match &asset {
            Asset::CreditAlphanum4(a) => account_strkey_of(&a.issuer),
            Asset::CreditAlphanum12(a) => account_strkey_of(&a.issuer),
            Asset::Native => String::new(),
        };
        let events = self.collect_events();
        Ok(json!({
            "address": protocol::strkey(&sac.address()),
            "asset": b64_xdr(&asset),
            "issuer": issuer,
            "events": events,
        }))
    }

    fn deploy_escrow(&mut self, p: &Value) -> Res {
        let admin = self.address(protocol::req_str(p, "admin")?)?;
        let treasury = self.address(protocol::req_str(p, "treasury")?)?;
        let fee_bps = protocol::opt_u64(p, "fee_bps")?.unwrap_or(0);
        if fee_bps > MAX_FEE_BPS as u64 {
            return Err(HarnessError::contract(
                EscrowError::FeeTooHigh as u32,
                Some("FeeTooHigh".into()),
                None,
            ));
        }
        let address = self
            .env
            .register(SorobanEscrow, (admin, fee_bps as u32, treasury));
        self.invocations += 1;
        self.escrows.insert(contract_id(&address));
        let events = self.collect_events();
        Ok(json!({"address": protocol::strkey(&address), "events": events}))
    }

    /// A non-standard token for tests (`test_tokens`): `kind` is
    /// `"fee_on_transfer"` (`fee_bps`, default 100) or `"hostile"` (`stolen`:
    /// a token whose transfer it adds, `thief`: who gets it).
    fn deploy_test_token(&mut self, p: &Value) -> Res {
        let address = match protocol::req_str(p, "kind")? {
            "fee_on_transfer" => {
                let fee_bps = protocol::opt_u64(p, "fee_bps")?.unwrap_or(100);
                if fee_bps > 10_000 {
                    return Err(HarnessError::invalid("fee_bps must be at most 10000"));
                }
                self.env
                    .register(test_tokens::FeeOnTransferToken, (fee_bps as u32,))
            }
            "hostile" => {
                let stolen = self.address(protocol::req_str(p, "stolen")?)?;
                let thief = self.address(protocol::req_str(p, "thief")?)?;
                self.env
                    .register(test_tokens::HostileToken, (stolen, thief))
            }
            other => {
                return Err(HarnessError::invalid(format!(
                    "unknown test token kind {other:?} (fee_on_transfer, hostile)"
                )))
            }
        };
        self.invocations += 1;
        let events = self.collect_events();
        Ok(json!({"address": protocol::strkey(&address), "events": events}))
    }

    fn mint(&mut self, p: &Value) -> Res {
        let token = self.address(protocol::req_str(p, "token")?)?;
        let to = self.address(protocol::req_str(p, "to")?)?;
        let amount = protocol::req_i128(p, "amount")?;
        self.env.mock_all_auths();
        let args = (to.clone(), amount).into_val(&self.env);
        let res = call_raw(&self.env, &token, &Symbol::new(&self.env, "mint"), args);
        self.invocations += 1;
        let events = self.collect_events();
        res.map_err(|e| self.classify(e, &token))?;
        let balance = TokenClient::new(&self.env, &token).balance(&to);
        Ok(json!({"balance": balance.to_string(), "events": events}))
    }

    fn balance(&mut self, p: &Value) -> Res {
        let token = self.address(protocol::req_str(p, "token")?)?;
        let who = self.address(protocol::req_str(p, "address")?)?;
        let args = (who,).into_val(&self.env);
        let v = call_raw(&self.env, &token, &Symbol::new(&self.env, "balance"), args)
            .map_err(|e| self.classify(e, &token))?;
        let b = i128::try_from_val(&self.env, &v)
            .map_err(|_| HarnessError::internal("balance is not an i128"))?;
        Ok(json!({"balance": b.to_string()}))
    }

    // ------------------------------------------------------------ invocations

    /// Parses `contract`/`function`/`args` or `invoke_args`.
    fn call_target(
        &mut self,
        p: &Value,
    ) -> Result<(Address, Symbol, SorobanVec<Val>), HarnessError> {
        let (contract, function, args): (ScAddress, String, std::vec::Vec<ScVal>) =
            if let Some(b) = p.get("invoke_args") {
                let b = b
                    .as_str()
                    .ok_or_else(|| HarnessError::invalid("`invoke_args` must be base64 XDR"))?;
                let ica: InvokeContractArgs = from_b64_xdr(b, "invoke_args")?;
                let name = std::str::from_utf8(ica.function_name.as_vec())
                    .map_err(|_| HarnessError::invalid("function name is not UTF-8"))?
                    .to_string();
                (ica.contract_address, name, ica.args.to_vec())
            } else {
                let contract = protocol::sc_address(protocol::req_str(p, "contract")?)?;
                let function = protocol::req_str(p, "function")?.to_string();
                let mut args = std::vec::Vec::new();
                if let Some(list) = p.get("args") {
                    let list = list
                        .as_array()
                        .ok_or_else(|| HarnessError::invalid("`args` must be a list"))?;
                    for (i, a) in list.iter().enumerate() {
                        let s = a.as_str().ok_or_else(|| {
                            HarnessError::invalid(format!("args[{i}] must be base64 ScVal XDR"))
                        })?;
                        args.push(from_b64_xdr::<ScVal>(s, &format!("args[{i}]"))?);
                    }
                }
                (contract, function, args)
            };
        if function.is_empty()
            || function.len() > 32
            || !function
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(HarnessError::invalid(format!(
                "`{function}` is not a valid function symbol"
            )));
        }
        let contract = Address::try_from_val(&self.env, &contract)
            .map_err(|_| HarnessError::invalid("bad contract address"))?;
        let mut vals = SorobanVec::<Val>::new(&self.env);
        for (i, a) in args.iter().enumerate() {
            let v = Val::try_from_val(&self.env, a)
                .map_err(|_| HarnessError::invalid(format!("args[{i}] is not a valid ScVal")))?;
            vals.push_back(v);
        }
        Ok((contract, Symbol::new(&self.env, &function), vals))
    }

    fn auth_mode(&self, p: &Value) -> Result<AuthMode, HarnessError> {
        if let Some(entries) = p.get("auth_entries") {
            let list = entries
                .as_array()
                .ok_or_else(|| HarnessError::invalid("`auth_entries` must be a list"))?;
            let mut out = std::vec::Vec::new();
            for (i, e) in list.iter().enumerate() {
                let s = e.as_str().ok_or_else(|| {
                    HarnessError::invalid(format!(
                        "auth_entries[{i}] must be base64 SorobanAuthorizationEntry XDR"
                    ))
                })?;
                out.push(from_b64_xdr(s, &format!("auth_entries[{i}]"))?);
            }
            if p.get("auth").is_some() {
                return Err(HarnessError::invalid(
                    "give either `auth` or `auth_entries`, not both",
                ));
            }
            return Ok(AuthMode::Enforce(out));
        }
        match p.get("auth").and_then(Value::as_str).unwrap_or("record") {
            "record" => Ok(AuthMode::Record),
            "none" => Ok(AuthMode::Enforce(std::vec::Vec::new())),
            other => Err(HarnessError::invalid(format!(
                "`auth` must be \"record\" or \"none\", got {other:?}"
            ))),
        }
    }

    fn set_source(&self, p: &Value) -> Result<(), HarnessError> {
        let key = match p.get("source") {
            Some(s) => protocol::account_key(
                s.as_str()
                    .ok_or_else(|| HarnessError::invalid("`source` must be a G... strkey"))?,
            )?,
            None => [0; 32],
        };
        self.env.host().set_source_account(account_id(key)).unwrap();
        Ok(())
    }

    fn invoke(&mut self, p: &Value) -> Res {
        let (contract, function, args) = self.call_target(p)?;
        let mode = self.auth_mode(p)?;
        let credentials = protocol::credentials_kind(p)?;
        self.set_source(p)?;
        let record = matches!(mode, AuthMode::Record);
        match mode {
            AuthMode::Record => self.env.mock_all_auths(),
            AuthMode::Enforce(entries) => self.env.set_auths(&entries),
        }
        let res = call_raw(&self.env, &contract, &function, args);
        self.invocations += 1;
        let events = self.collect_events();
        let result = match res {
            Ok(v) => self.to_scval(&v)?,
            Err(e) => return Err(self.classify(e, &contract)),
        };
        let mut out = json!({
            "result": b64_xdr(&result),
            "events": events,
            "ledger": self.env.ledger().sequence(),
        });
        if record {
            out["auth_entries"] = Value::from(self.recorded_entries(credentials)?);
        }
        Ok(out)
    }

    /// Runs the call in recording mode and rolls everything back; returns the
    /// result, the events it would emit and the unsigned auth entries to sign.
    fn simulate(&mut self, p: &Value) -> Res {
        let (contract, function, args) = self.call_target(p)?;
        let credentials = protocol::credentials_kind(p)?;
        self.set_source(p)?;
        let outcome = simulator::run(&self.env, &self.simulator, &contract, &function, args);
        let SimOutcome { result, events } = outcome;
        let events: std::vec::Vec<Value> =
            events.iter().map(|e| self.event_json(e, None)).collect();
        match result {
            Ok(v) => Ok(json!({
                "result": b64_xdr(&v),
                "events": events,
                "auth_entries": self.recorded_entries(credentials)?,
                "ledger": self.env.ledger().sequence(),
            })),
            Err(e) => Err(self.classify(e, &contract)),
        }
    }

    /// Unsigned entries for what the last recording-mode invocation required.
    fn recorded_entries(&self, v2: bool) -> Result<std::vec::Vec<String>, HarnessError> {
        let payloads = self
            .env
            .host()
            .get_recorded_auth_payloads()
            .map_err(|e| HarnessError::internal(format!("recorded auth: {e:?}")))?;
        Ok(payloads
            .into_iter()
            .map(|p| {
                let credentials = match (p.address, p.nonce) {
                    (Some(address), Some(nonce)) => {
                        let c = SorobanAddressCredentials {
                            address,
                            nonce,
                            signature_expiration_ledger: 0,
                            signature: ScVal::Void,
                        };
                        if v2 {
                            SorobanCredentials::AddressV2(c)
                        } else {
                            SorobanCredentials::Address(c)
                        }
                    }
                    _ => SorobanCredentials::SourceAccount,
                };
                b64_xdr(&SorobanAuthorizationEntry {
                    credentials,
                    root_invocation: p.invocation,
                })
            })
            .collect())
    }

    // ------------------------------------------------------------ events

    /// Appends the events of the last top-level invocation to the log.
    /// Call exactly once after every command that invokes the host.
    fn collect_events(&mut self) -> std::vec::Vec<Value> {
        let all = self.env.events().all();
        let mut out = std::vec::Vec::new();
        for e in all.events() {
            let index = self.events.len() as u64;
            let record = self.event_json(e, Some(index));
            self.events.push(record.clone());
            out.push(record);
        }
        out
    }

    fn event_json(&self, e: &ContractEvent, index: Option<u64>) -> Value {
        let (topics, data) = match &e.body {
            ContractEventBody::V0(v0) => (
                v0.topics.iter().map(b64_xdr).collect::<std::vec::Vec<_>>(),
                b64_xdr(&v0.data),
            ),
        };
        let contract = e
            .contract_id
            .as_ref()
            .map(|c| protocol::contract_strkey(&c.0 .0));
        json!({
            "index": index,
            // Simulated events were never emitted: no index, no invocation.
            "invocation": index.map(|_| self.invocations),
            "ledger": self.env.ledger().sequence(),
            "timestamp": self.env.ledger().timestamp(),
            "contract": contract,
            "topics": topics,
            "data": data,
            "xdr": b64_xdr(e),
        })
    }

    fn events(&mut self, p: &Value) -> Res {
        let cursor = protocol::opt_u64(p, "cursor")?.unwrap_or(0) as usize;
        let limit = protocol::opt_u64(p, "limit")?.unwrap_or(u64::MAX) as usize;
        let contract = p.get("contract").and_then(Value::as_str);
        let mut out = std::vec::Vec::new();
        let mut next = cursor;
        for (i, e) in self.events.iter().enumerate().skip(cursor) {
            if out.len() >= limit {
                break;
            }
            next = i + 1;
            if contract.is_none_or(|c| e["contract"].as_str() == Some(c)) {
                out.push(e.clone());
            }
        }
        if out.len() < limit {
            next = self.events.len().max(cursor);
        }
        Ok(json!({"events": out, "cursor": next}))
    }

    // ------------------------------------------------------------ helpers

    /// Parses a G.../C... strkey; G accounts get a ledger entry and trustlines
    /// on first use, so tokens can be paid to them.
    fn address(&mut self, s: &str) -> Result<Address, HarnessError> {
        let sc = protocol::sc_address(s)?;
        if let ScAddress::Account(AccountId(PublicKey::PublicKeyTypeEd25519(Uint256(k)))) = &sc {
            self.ensure_account(*k, 10_000_000_000);
        }
        Address::try_from_val(&self.env, &sc).map_err(|_| HarnessError::invalid("bad address"))
    }

    fn to_scval(&self, v: &Val) -> Result<ScVal, HarnessError> {
        ScVal::try_from_val(&self.env, v)
            .map_err(|_| HarnessError::internal("result does not convert to ScVal"))
    }

    fn classify(&self, e: HostError, contract: &Address) -> HarnessError {
        let e = e.error;
        let message = format!("{e:?}");
        match ScError::try_from(e) {
            Ok(ScError::Contract(code)) => {
                let name = if self.escrows.contains(&contract_id(contract)) {
                    EscrowError::try_from(e).ok().map(|x| format!("{x:?}"))
                } else {
                    None
                };
                HarnessError::contract(code, name, Some(message))
            }
            Ok(other) => HarnessError::host(message, Some(scerror_json(&other))),
            Err(_) => HarnessError::host(message, None),
        }
    }
}

/// Calls a contract at the top level. Unlike `Env::try_invoke_contract`, which
/// narrows every host error to `Error(Context, InvalidAction)` (what a
/// contract sees from `try_call`), this returns the host's granular error
/// (e.g. `Error(Auth, InvalidAction)`), like a transaction result would.
/// Effects of a failed call are rolled back.
pub(crate) fn call_raw(
    env: &Env,
    contract: &Address,
    func: &Symbol,
    args: SorobanVec<Val>,
) -> Result<Val, HostError> {
    env.host()
        .call(contract.to_object(), func.to_symbol_val(), args.to_object())
}

fn scerror_json(e: &ScError) -> Value {
    let code = match e {
        ScError::Contract(_) => None,
        ScError::WasmVm(c)
        | ScError::Context(c)
        | ScError::Storage(c)
        | ScError::Object(c)
        | ScError::Crypto(c)
        | ScError::Events(c)
        | ScError::Budget(c)
        | ScError::Value(c)
        | ScError::Auth(c) => Some(c.name()),
    };
    json!({"type": e.discriminant().name(), "code": code})
}

pub(crate) fn sha256(env: &Env, data: &[u8]) -> [u8; 32] {
    env.crypto()
        .sha256(&Bytes::from_slice(env, data))
        .to_array()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn b64_xdr<T: WriteXdr>(v: &T) -> String {
    B64.encode(v.to_xdr(Limits::none()).expect("XDR encoding"))
}

pub(crate) fn from_b64_xdr<T: ReadXdr>(s: &str, what: &str) -> Result<T, HarnessError> {
    let bytes = B64
        .decode(s.trim())
        .map_err(|e| HarnessError::invalid(format!("{what}: bad base64: {e}")))?;
    T::from_xdr(bytes, Limits::none())
        .map_err(|e| HarnessError::invalid(format!("{what}: bad XDR: {e}")))
}

fn account_id(key: [u8; 32]) -> AccountId {
    AccountId(PublicKey::PublicKeyTypeEd25519(Uint256(key)))
}

fn account_strkey_of(id: &AccountId) -> String {
    let AccountId(PublicKey::PublicKeyTypeEd25519(Uint256(k))) = id;
    protocol::account_strkey(k)
}

fn contract_id(a: &Address) -> [u8; 32] {
    match ScAddress::from(a) {
        ScAddress::Contract(xdr::ContractId(Hash(h))) => h,
        _ => [0; 32],
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        format!("panic: {s}")
    } else if let Some(s) = panic.downcast_ref::<String>() {
        format!("panic: {s}")
    } else {
        "panic".to_string()
    }
}
