//! Tests, run natively against the real Soroban host (`soroban-sdk` testutils).
#![allow(non_snake_case)] // test names follow `test_<fn>_RevertWhen_<condition>`

mod admin;
mod dispute;
mod escrow;
mod hardening;
mod intent;
mod props;
mod refund;
mod setup;
mod ttl;
