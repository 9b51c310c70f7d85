//! Incremental MD5 in wasm (the `altinn-broker-md5` crate: why it is a crate of its own is in its docs). Bytes from
//! JS are copied through one fixed buffer, so hashing any amount of data keeps wasm memory flat, whatever size of
//! chunk the caller hands over.

use std::cell::RefCell;
use std::rc::Rc;

use altinn_broker_md5::Md5;
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

/// How much of a JS chunk crosses into wasm at once.
const BUFFER: usize = 1 << 20;

#[derive(Default)]
pub struct Hasher {
    md5: Md5,
    buf: Vec<u8>,
}

impl Hasher {
    pub fn new() -> Self {
        Self { md5: Md5::new(), buf: Vec::new() }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.md5.update(bytes);
    }

    /// Hashes a JS byte array without copying it whole into wasm memory.
    pub fn update_js(&mut self, chunk: &js_sys::Uint8Array) {
        let n = chunk.length();
        // No bigger than the chunks seen: a stream's 64 KiB chunks need no 1 MiB buffer.
        let want = (n as usize).min(BUFFER);
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        let mut at = 0u32;
        while at < n {
            let end = n.min(at + BUFFER as u32);
            let buf = &mut self.buf[..(end - at) as usize];
            chunk.subarray(at, end).copy_to(buf);
            self.md5.update(buf);
            at = end;
        }
    }

    /// Bytes hashed so far.
    pub fn len(&self) -> u64 {
        self.md5.len()
    }

    pub fn is_empty(&self) -> bool {
        self.md5.is_empty()
    }

    /// Lower-case hex, the form the service stores and compares (contract §1.2).
    pub fn finish_hex(self) -> String {
        hex(&self.md5.finalize())
    }
}

/// A [`Hasher`] fed by JS: [`ChunkHook::hook`] is the `chunk` callback `streams.js` calls with each chunk it reads
/// (a Blob hashed before sending, a body hashed as it is sent). Alive as long as JS may call it.
pub struct ChunkHook {
    hasher: Rc<RefCell<Hasher>>,
    hook: Closure<dyn FnMut(Uint8Array)>,
}

impl Default for ChunkHook {
    fn default() -> Self {
        Self::new()
    }
}

impl ChunkHook {
    pub fn new() -> Self {
        let hasher = Rc::new(RefCell::new(Hasher::new()));
        let h = hasher.clone();
        // Never re-entered (JS calls it between our awaits); a borrow that fails would be a chunk lost, so the
        // digest would be wrong rather than the call failing — which is why nothing else borrows it meanwhile.
        let hook = Closure::<dyn FnMut(Uint8Array)>::new(move |c: Uint8Array| {
            if let Ok(mut h) = h.try_borrow_mut() {
                h.update_js(&c);
            }
        });
        Self { hasher, hook }
    }

    /// Bytes hashed so far.
    pub fn len(&self) -> u64 {
        self.hasher.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn hook(&self) -> &JsValue {
        self.hook.as_ref()
    }

    /// The digest of every chunk JS handed over; the hook is dropped with it, so a later call throws in JS.
    pub fn finish_hex(self) -> String {
        std::mem::take(&mut *self.hasher.borrow_mut()).finish_hex()
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(Hasher::new().finish_hex(), "d41d8cd98f00b204e9800998ecf8427e");
        let mut h = Hasher::new();
        h.update(b"The quick brown fox ");
        h.update(b"jumps over the lazy dog");
        assert_eq!(h.len(), 43);
        assert_eq!(h.finish_hex(), "9e107d9d372bb6826bd81d3542a419d6");
    }
}
