//! `simulate`: run a call in recording-auth mode and roll it back, keeping
//! the result, the events and the recorded authorization payloads.
//!
//! The call runs inside a native helper contract that records what happened
//! and then returns an error, so the host rolls back every effect (storage,
//! events, nonces). The recording auth manager's state, captured inside the
//! frame before the rollback, is put back and published as the "previous
//! invocation" by one no-op call, where `get_recorded_auth_payloads` finds it.

use std::any::Any;

use soroban_env_host::HostError;
use std::cell::RefCell;

use soroban_sdk::{
    contract, contractimpl, testutils::Events as _, xdr::ContractEvent, xdr::ScVal, Address, Env,
    Error, Symbol, TryFromVal, Val, Vec,
};

/// Contract error code the helper returns to force the rollback.
const ROLLBACK: u32 = 0x5157;

pub(crate) struct SimOutcome {
    pub result: Result<ScVal, HostError>,
    pub events: std::vec::Vec<ContractEvent>,
}

struct Captured {
    outcome: SimOutcome,
    auth_manager: Box<dyn Any>,
}

thread_local! {
    static CAPTURED: RefCell<Option<Captured>> = const { RefCell::new(None) };
}

#[contract]
pub struct Simulator;

#[contractimpl]
impl Simulator {
    pub fn run(env: Env, contract: Address, func: Symbol, args: Vec<Val>) -> Result<(), Error> {
        // The host call (not try_call) keeps the granular error; the failed
        // sub-call is rolled back either way.
        let result = crate::call_raw(&env, &contract, &func, args).and_then(|v| {
            ScVal::try_from_val(&env, &v).map_err(|_| {
                HostError::from(Error::from_type_and_code(
                    soroban_sdk::xdr::ScErrorType::Value,
                    soroban_sdk::xdr::ScErrorCode::UnexpectedType,
                ))
            })
        });
        let events = env.events().all().events().to_vec();
        let auth_manager: Box<dyn Any> = Box::new(env.host().snapshot_auth_manager().unwrap());
        CAPTURED.with(|c| {
            *c.borrow_mut() = Some(Captured {
                outcome: SimOutcome { result, events },
                auth_manager,
            })
        });
        Err(Error::from_contract_error(ROLLBACK))
    }

    pub fn noop(_env: Env) {}
}

fn unbox<T: 'static>(b: Box<dyn Any>) -> T {
    *b.downcast::<T>().expect("auth manager type")
}

pub(crate) fn run(
    env: &Env,
    simulator: &Address,
    contract: &Address,
    func: &Symbol,
    args: Vec<Val>,
) -> SimOutcome {
    let host = env.host();
    // Recording mode that also records auth required below the root call
    // (the real call runs one level below the helper).
    host.switch_to_recording_auth(false).unwrap();
    let _ = env.try_invoke_contract::<(), Error>(
        simulator,
        &Symbol::new(env, "run"),
        (contract.clone(), func.clone(), args).try_into_val_vec(env),
    );
    let captured = CAPTURED
        .with(|c| c.borrow_mut().take())
        .expect("simulator did not run");
    host.set_auth_manager(unbox(captured.auth_manager)).unwrap();
    let _ =
        env.try_invoke_contract::<(), Error>(simulator, &Symbol::new(env, "noop"), Vec::new(env));
    captured.outcome
}

trait IntoArgs {
    fn try_into_val_vec(self, env: &Env) -> Vec<Val>;
}

impl IntoArgs for (Address, Symbol, Vec<Val>) {
    fn try_into_val_vec(self, env: &Env) -> Vec<Val> {
        use soroban_sdk::IntoVal;
        let mut v = Vec::new(env);
        v.push_back(self.0.into_val(env));
        v.push_back(self.1.into_val(env));
        v.push_back(self.2.into_val(env));
        v
    }
}
