//! JSON-lines protocol helpers: errors, parameter parsing, strkeys.

use serde_json::{json, Value};
use soroban_sdk::{
    xdr::{AccountId, ContractId, Hash, PublicKey, ScAddress, Uint256},
    Address,
};
use stellar_strkey::{ed25519, Contract, Strkey};

/// An error response: `{"kind", "message", "code", ...}`.
#[derive(Clone, Debug, PartialEq)]
pub struct HarnessError {
    /// `contract` (the contract returned an error code), `host` (the host
    /// failed the call: auth, budget, storage, crypto...), `invalid_request`
    /// or `internal`.
    pub kind: &'static str,
    pub message: String,
    /// Contract error code (`kind == "contract"` only).
    pub code: Option<u32>,
    /// Name of the escrow error for that code, when the contract is an escrow.
    pub name: Option<String>,
    /// `{"type": "Auth", "code": "InvalidAction"}` for host errors.
    pub scerror: Option<Value>,
}

impl HarnessError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("invalid_request", message.into())
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("internal", message.into())
    }

    pub fn host(message: String, scerror: Option<Value>) -> Self {
        HarnessError {
            scerror,
            ..Self::new("host", message)
        }
    }

    pub fn contract(code: u32, name: Option<String>, message: Option<String>) -> Self {
        HarnessError {
            code: Some(code),
            name,
            ..Self::new(
                "contract",
                message.unwrap_or_else(|| format!("Error(Contract, #{code})")),
            )
        }
    }

    fn new(kind: &'static str, message: String) -> Self {
        HarnessError {
            kind,
            message,
            code: None,
            name: None,
            scerror: None,
        }
    }
}

pub(crate) fn error_response(id: &Value, e: &HarnessError) -> Value {
    let mut error = json!({"kind": e.kind, "message": e.message, "code": e.code});
    if let Some(name) = &e.name {
        error["name"] = json!(name);
    }
    if let Some(sc) = &e.scerror {
        error["scerror"] = sc.clone();
    }
    json!({"id": id, "ok": false, "error": error})
}

// ---------------------------------------------------------------- params

pub(crate) fn req_str<'a>(p: &'a Value, key: &str) -> Result<&'a str, HarnessError> {
    p.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| HarnessError::invalid(format!("missing string param `{key}`")))
}

pub(crate) fn opt_u64(p: &Value, key: &str) -> Result<Option<u64>, HarnessError> {
    match p.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| HarnessError::invalid(format!("`{key}` must be a u64"))),
        Some(Value::String(s)) => s
            .parse()
            .map(Some)
            .map_err(|_| HarnessError::invalid(format!("`{key}` must be a u64"))),
        Some(_) => Err(HarnessError::invalid(format!("`{key}` must be a u64"))),
    }
}

pub(crate) fn opt_i64(p: &Value, key: &str) -> Result<Option<i64>, HarnessError> {
    match p.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| HarnessError::invalid(format!("`{key}` must be an i64"))),
        Some(Value::String(s)) => s
            .parse()
            .map(Some)
            .map_err(|_| HarnessError::invalid(format!("`{key}` must be an i64"))),
        Some(_) => Err(HarnessError::invalid(format!("`{key}` must be an i64"))),
    }
}

/// An i128 given as a decimal string (preferred) or a JSON integer.
pub(crate) fn req_i128(p: &Value, key: &str) -> Result<i128, HarnessError> {
    let bad = || HarnessError::invalid(format!("`{key}` must be an i128 (decimal string)"));
    match p.get(key) {
        Some(Value::String(s)) => s.parse().map_err(|_| bad()),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
            .ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// `credentials`: "address_v2" (default, what stellar-sdk 16 builds) or "address".
pub(crate) fn credentials_kind(p: &Value) -> Result<bool, HarnessError> {
    match p.get("credentials").and_then(Value::as_str) {
        None | Some("address_v2") => Ok(true),
        Some("address") => Ok(false),
        Some(other) => Err(HarnessError::invalid(format!(
            "`credentials` must be \"address_v2\" or \"address\", got {other:?}"
        ))),
    }
}

// ---------------------------------------------------------------- strkeys

pub(crate) fn sc_address(s: &str) -> Result<ScAddress, HarnessError> {
    match Strkey::from_string(s) {
        Ok(Strkey::PublicKeyEd25519(ed25519::PublicKey(k))) => Ok(ScAddress::Account(AccountId(
            PublicKey::PublicKeyTypeEd25519(Uint256(k)),
        ))),
        Ok(Strkey::Contract(Contract(c))) => Ok(ScAddress::Contract(ContractId(Hash(c)))),
        _ => Err(HarnessError::invalid(format!(
            "`{s}` is not a G... account or C... contract strkey"
        ))),
    }
}

pub(crate) fn account_key(s: &str) -> Result<[u8; 32], HarnessError> {
    match Strkey::from_string(s) {
        Ok(Strkey::PublicKeyEd25519(ed25519::PublicKey(k))) => Ok(k),
        _ => Err(HarnessError::invalid(format!(
            "`{s}` is not a G... account strkey"
        ))),
    }
}

pub(crate) fn account_strkey(k: &[u8; 32]) -> String {
    format!("{}", Strkey::PublicKeyEd25519(ed25519::PublicKey(*k)))
}

pub(crate) fn contract_strkey(c: &[u8; 32]) -> String {
    format!("{}", Strkey::Contract(Contract(*c)))
}

/// G.../C... strkey of an address.
pub fn strkey(a: &Address) -> String {
    match ScAddress::from(a) {
        ScAddress::Account(AccountId(PublicKey::PublicKeyTypeEd25519(Uint256(k)))) => {
            account_strkey(&k)
        }
        ScAddress::Contract(ContractId(Hash(c))) => contract_strkey(&c),
        other => format!("{other:?}"),
    }
}
