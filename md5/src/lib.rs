//! MD5 (RFC 1321), incremental, no dependencies: the hash every upload computes in the client's wasm.
//!
//! Its own crate so that it is optimised for speed whatever the client's profile. The client's release profile is
//! `opt-level = "z"` (size) with LTO; there the md-5 crate's block function kept its message words in a stack array
//! and its loop rolled, and a per-package `opt-level = 3` for md-5 did not survive the LTO pass (measured in the
//! package, Node 20, 256 MiB in 1 MiB chunks: 0.81× npm hash-wasm). This block function is straight-line code with
//! its constants inline, so the optimisation level has nothing left to decide; debug builds (the wasm tests hash
//! hundreds of MiB) get `opt-level = 3` from the workspace's `[profile.dev.package.altinn-broker-md5]`.
#![no_std]
#![forbid(unsafe_code)]

const INIT: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];

/// An MD5 computation in progress.
#[derive(Clone)]
pub struct Md5 {
    state: [u32; 4],
    /// The bytes of an incomplete 64-byte block, `tail_len` of them.
    tail: [u8; 64],
    tail_len: usize,
    len: u64,
}

impl Default for Md5 {
    fn default() -> Self {
        Self::new()
    }
}

impl Md5 {
    pub const fn new() -> Self {
        Self { state: INIT, tail: [0; 64], tail_len: 0, len: 0 }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.len = self.len.wrapping_add(bytes.len() as u64);
        absorb(&mut self.state, &mut self.tail, &mut self.tail_len, bytes);
    }

    /// Bytes hashed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The 16-byte digest.
    pub fn finalize(mut self) -> [u8; 16] {
        let bits = self.len.wrapping_mul(8);
        let mut pad = [0u8; 72];
        pad[0] = 0x80;
        // Pad to 56 mod 64, then the message length in bits, little-endian.
        let zeros = 55usize.wrapping_sub(self.tail_len) % 64;
        pad[1 + zeros..9 + zeros].copy_from_slice(&bits.to_le_bytes());
        absorb(&mut self.state, &mut self.tail, &mut self.tail_len, &pad[..9 + zeros]);
        let mut out = [0u8; 16];
        for (o, w) in out.chunks_exact_mut(4).zip(self.state) {
            o.copy_from_slice(&w.to_le_bytes());
        }
        out
    }
}

/// Feeds `bytes` through the block function, keeping an incomplete last block in `tail`.
fn absorb(state: &mut [u32; 4], tail: &mut [u8; 64], tail_len: &mut usize, mut bytes: &[u8]) {
    if *tail_len > 0 {
        let take = (64 - *tail_len).min(bytes.len());
        tail[*tail_len..*tail_len + take].copy_from_slice(&bytes[..take]);
        *tail_len += take;
        bytes = &bytes[take..];
        if *tail_len < 64 {
            return;
        }
        compress(state, tail);
        *tail_len = 0;
    }
    let whole = bytes.len() - bytes.len() % 64;
    compress(state, &bytes[..whole]);
    let rest = &bytes[whole..];
    tail[..rest.len()].copy_from_slice(rest);
    *tail_len = rest.len();
}

/// RFC 1321's four rounds over every 64-byte block of `blocks` (a multiple of 64 bytes long).
#[inline(never)]
fn compress(state: &mut [u32; 4], blocks: &[u8]) {
    macro_rules! step {
        (F, $a:ident, $b:ident, $c:ident, $d:ident, $m:expr, $k:expr, $s:expr) => {
            step!(@ (($b & $c) | (!$b & $d)), $a, $b, $m, $k, $s)
        };
        (G, $a:ident, $b:ident, $c:ident, $d:ident, $m:expr, $k:expr, $s:expr) => {
            step!(@ (($b & $d) | ($c & !$d)), $a, $b, $m, $k, $s)
        };
        (H, $a:ident, $b:ident, $c:ident, $d:ident, $m:expr, $k:expr, $s:expr) => {
            step!(@ ($b ^ $c ^ $d), $a, $b, $m, $k, $s)
        };
        (I, $a:ident, $b:ident, $c:ident, $d:ident, $m:expr, $k:expr, $s:expr) => {
            step!(@ ($c ^ ($b | !$d)), $a, $b, $m, $k, $s)
        };
        (@ $f:expr, $a:ident, $b:ident, $m:expr, $k:expr, $s:expr) => {
            $f.wrapping_add($a).wrapping_add($m).wrapping_add($k).rotate_left($s).wrapping_add($b)
        };
    }
    let [mut a0, mut b0, mut c0, mut d0] = *state;
    for block in blocks.chunks_exact(64) {
        // A macro, not a closure: under opt-level "z" a closure called 16 times need not be inlined.
        macro_rules! word {
            ($i:expr) => {
                u32::from_le_bytes([block[4 * $i], block[4 * $i + 1], block[4 * $i + 2], block[4 * $i + 3]])
            };
        }
        let m = [
            word!(0),
            word!(1),
            word!(2),
            word!(3),
            word!(4),
            word!(5),
            word!(6),
            word!(7),
            word!(8),
            word!(9),
            word!(10),
            word!(11),
            word!(12),
            word!(13),
            word!(14),
            word!(15),
        ];
        let (mut a, mut b, mut c, mut d) = (a0, b0, c0, d0);
        a = step!(F, a, b, c, d, m[0], 0xd76aa478, 7);
        d = step!(F, d, a, b, c, m[1], 0xe8c7b756, 12);
        c = step!(F, c, d, a, b, m[2], 0x242070db, 17);
        b = step!(F, b, c, d, a, m[3], 0xc1bdceee, 22);
        a = step!(F, a, b, c, d, m[4], 0xf57c0faf, 7);
        d = step!(F, d, a, b, c, m[5], 0x4787c62a, 12);
        c = step!(F, c, d, a, b, m[6], 0xa8304613, 17);
        b = step!(F, b, c, d, a, m[7], 0xfd469501, 22);
        a = step!(F, a, b, c, d, m[8], 0x698098d8, 7);
        d = step!(F, d, a, b, c, m[9], 0x8b44f7af, 12);
        c = step!(F, c, d, a, b, m[10], 0xffff5bb1, 17);
        b = step!(F, b, c, d, a, m[11], 0x895cd7be, 22);
        a = step!(F, a, b, c, d, m[12], 0x6b901122, 7);
        d = step!(F, d, a, b, c, m[13], 0xfd987193, 12);
        c = step!(F, c, d, a, b, m[14], 0xa679438e, 17);
        b = step!(F, b, c, d, a, m[15], 0x49b40821, 22);
        a = step!(G, a, b, c, d, m[1], 0xf61e2562, 5);
        d = step!(G, d, a, b, c, m[6], 0xc040b340, 9);
        c = step!(G, c, d, a, b, m[11], 0x265e5a51, 14);
        b = step!(G, b, c, d, a, m[0], 0xe9b6c7aa, 20);
        a = step!(G, a, b, c, d, m[5], 0xd62f105d, 5);
        d = step!(G, d, a, b, c, m[10], 0x02441453, 9);
        c = step!(G, c, d, a, b, m[15], 0xd8a1e681, 14);
        b = step!(G, b, c, d, a, m[4], 0xe7d3fbc8, 20);
        a = step!(G, a, b, c, d, m[9], 0x21e1cde6, 5);
        d = step!(G, d, a, b, c, m[14], 0xc33707d6, 9);
        c = step!(G, c, d, a, b, m[3], 0xf4d50d87, 14);
        b = step!(G, b, c, d, a, m[8], 0x455a14ed, 20);
        a = step!(G, a, b, c, d, m[13], 0xa9e3e905, 5);
        d = step!(G, d, a, b, c, m[2], 0xfcefa3f8, 9);
        c = step!(G, c, d, a, b, m[7], 0x676f02d9, 14);
        b = step!(G, b, c, d, a, m[12], 0x8d2a4c8a, 20);
        a = step!(H, a, b, c, d, m[5], 0xfffa3942, 4);
        d = step!(H, d, a, b, c, m[8], 0x8771f681, 11);
        c = step!(H, c, d, a, b, m[11], 0x6d9d6122, 16);
        b = step!(H, b, c, d, a, m[14], 0xfde5380c, 23);
        a = step!(H, a, b, c, d, m[1], 0xa4beea44, 4);
        d = step!(H, d, a, b, c, m[4], 0x4bdecfa9, 11);
        c = step!(H, c, d, a, b, m[7], 0xf6bb4b60, 16);
        b = step!(H, b, c, d, a, m[10], 0xbebfbc70, 23);
        a = step!(H, a, b, c, d, m[13], 0x289b7ec6, 4);
        d = step!(H, d, a, b, c, m[0], 0xeaa127fa, 11);
        c = step!(H, c, d, a, b, m[3], 0xd4ef3085, 16);
        b = step!(H, b, c, d, a, m[6], 0x04881d05, 23);
        a = step!(H, a, b, c, d, m[9], 0xd9d4d039, 4);
        d = step!(H, d, a, b, c, m[12], 0xe6db99e5, 11);
        c = step!(H, c, d, a, b, m[15], 0x1fa27cf8, 16);
        b = step!(H, b, c, d, a, m[2], 0xc4ac5665, 23);
        a = step!(I, a, b, c, d, m[0], 0xf4292244, 6);
        d = step!(I, d, a, b, c, m[7], 0x432aff97, 10);
        c = step!(I, c, d, a, b, m[14], 0xab9423a7, 15);
        b = step!(I, b, c, d, a, m[5], 0xfc93a039, 21);
        a = step!(I, a, b, c, d, m[12], 0x655b59c3, 6);
        d = step!(I, d, a, b, c, m[3], 0x8f0ccc92, 10);
        c = step!(I, c, d, a, b, m[10], 0xffeff47d, 15);
        b = step!(I, b, c, d, a, m[1], 0x85845dd1, 21);
        a = step!(I, a, b, c, d, m[8], 0x6fa87e4f, 6);
        d = step!(I, d, a, b, c, m[15], 0xfe2ce6e0, 10);
        c = step!(I, c, d, a, b, m[6], 0xa3014314, 15);
        b = step!(I, b, c, d, a, m[13], 0x4e0811a1, 21);
        a = step!(I, a, b, c, d, m[4], 0xf7537e82, 6);
        d = step!(I, d, a, b, c, m[11], 0xbd3af235, 10);
        c = step!(I, c, d, a, b, m[2], 0x2ad7d2bb, 15);
        b = step!(I, b, c, d, a, m[9], 0xeb86d391, 21);
        a0 = a0.wrapping_add(a);
        b0 = b0.wrapping_add(b);
        c0 = c0.wrapping_add(c);
        d0 = d0.wrapping_add(d);
    }
    *state = [a0, b0, c0, d0];
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;

    fn md5(parts: &[&[u8]]) -> String {
        let mut h = Md5::new();
        for p in parts {
            h.update(p);
        }
        h.finalize().iter().map(|b| std::format!("{b:02x}")).collect()
    }

    /// RFC 1321 appendix A.5.
    #[test]
    fn rfc_1321_suite() {
        let suite: [(&[u8], &str); 7] = [
            (b"", "d41d8cd98f00b204e9800998ecf8427e"),
            (b"a", "0cc175b9c0f1b6a831c399e269772661"),
            (b"abc", "900150983cd24fb0d6963f7d28e17f72"),
            (b"message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (b"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            (b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
            (
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ];
        for (input, want) in suite {
            assert_eq!(md5(&[input]), want, "{}", String::from_utf8_lossy(input));
        }
    }

    /// Every length around the padding's edges (55, 56, 63, 64 ... bytes: the length field straddles a block) and
    /// inputs split across updates at block edges and inside blocks agree with the md-5 crate (the emulator's MD5).
    #[test]
    fn agrees_with_the_md5_crate_for_every_length_and_split() {
        use md5_crate::{Digest, Md5 as Reference};
        let data: std::vec::Vec<u8> = (0..300u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        for n in 0..data.len() {
            let want: String = Reference::digest(&data[..n]).iter().map(|b| std::format!("{b:02x}")).collect();
            assert_eq!(md5(&[&data[..n]]), want, "length {n}");
            for split in [1, 7, 63, 64, 65, 129].into_iter().filter(|s| *s < n) {
                assert_eq!(md5(&[&data[..split], &data[split..n]]), want, "length {n} split {split}");
                assert_eq!(
                    md5(&[&data[..1], &data[1..split], &[], &data[split..n]]),
                    want,
                    "length {n} 3-split {split}"
                );
            }
        }
    }
}
