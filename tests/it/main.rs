//! The client's integration tests: one wasm-bindgen test binary, run as it is under Node, in headless Chromium and
//! in headless Firefox ESR against a real emulator process (`scripts/test.sh` starts it and passes its URL at build
//! time, as `BROKER_EMULATOR_URL`; wasm tests cannot read the environment at run time).
//!
//! No test is configured for one runtime: under Node `cargo test --target wasm32-unknown-unknown --test it` (or
//! `wasm-pack test --node`) runs every test, with `WASM_BINDGEN_USE_BROWSER=1` (or `wasm-pack test --headless
//! --chrome` / `--firefox`) the same tests run in a page, cross-origin, so CORS is exercised on every call. What a runtime decides
//! (a stream request body over plain http) is asserted for the runtime at hand ([`support::in_browser`]).
//!
//! wasm-bindgen-test runs one test at a time, in one wasm instance. The two tests in [`memory`] compare wasm
//! memory's high-water mark, which every earlier test in the instance raises, so scripts/test.sh runs each of them
//! in an instance of its own (`-- --skip memory::`, then `-- --exact it::memory::NAME`).
#![cfg(target_arch = "wasm32")]

mod api;
mod memory;
mod offline;
mod runtimes;
mod scan;
mod support;
mod tus;
mod validation;
