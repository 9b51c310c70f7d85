//! Altinn 3 Broker client for JavaScript runtimes (browser, Web Worker, Node, workerd, Deno), built with wasm-bindgen.
