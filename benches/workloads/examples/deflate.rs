//! `deflate`: DEFLATE compression and decompression with `miniz_oxide`
//! (the pure-Rust zlib behind `flate2`). `run(n)` processes n KiB of
//! generated text in 64 KiB chunks: each chunk is compressed raw-deflate at
//! level 1 or 6 and as a zlib stream at level 6 (alternating), inflated
//! again and compared with the original. Hash chains, bit packing, Huffman
//! table building and decoding. Default n = 1024.
//!
//! Uses `std` (allocator, `Vec`). The checksum mixes the compressed sizes
//! with a hash of the compressed bytes (and is -1 if a round trip fails).

use miniz_oxide::deflate::{compress_to_vec, compress_to_vec_zlib};
use miniz_oxide::inflate::{decompress_to_vec, decompress_to_vec_zlib};

const CHUNK: usize = 64 * 1024;

const WORDS: [&str; 24] = [
    "the", "engine", "compiles", "each", "function", "into", "machine", "code",
    "while", "interpreter", "dispatches", "over", "operands", "stack", "frames",
    "and", "memory", "bounds", "checks", "trap", "when", "tables", "grow", "module",
];

struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
}

/// Text with a skewed word distribution, punctuation, numbers and line breaks.
fn make_text(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut col = 0;
    while out.len() < len {
        let r = rng.next();
        // squaring the index skews it towards the first words
        let i = ((r % 24) * (r >> 8 & 0xff) % 24 * ((r >> 16) % 24)) as usize % 24;
        out.extend_from_slice(WORDS[i].as_bytes());
        col += WORDS[i].len() + 1;
        match r >> 27 {
            0 => out.extend_from_slice(b", "),
            1 => {
                out.extend_from_slice(b". ");
                let num = (r >> 5) % 10_000;
                out.extend_from_slice(num.to_string().as_bytes());
                out.push(b' ');
            }
            _ => out.push(b' '),
        }
        if col > 72 {
            out.push(b'\n');
            col = 0;
        }
    }
    out.truncate(len);
    out
}

fn fnv(h: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *h = (*h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
}

fn work(kib: usize) -> i64 {
    let mut rng = Rng(0x00de_f1a7);
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut done = 0;
    let mut chunk_no = 0u32;
    while done < kib * 1024 {
        let len = CHUNK.min(kib * 1024 - done);
        let text = make_text(&mut rng, len);
        let (packed, unpacked) = match chunk_no % 3 {
            0 => {
                let p = compress_to_vec(&text, 1);
                let u = decompress_to_vec(&p);
                (p, u)
            }
            1 => {
                let p = compress_to_vec(&text, 6);
                let u = decompress_to_vec(&p);
                (p, u)
            }
            _ => {
                let p = compress_to_vec_zlib(&text, 6);
                let u = decompress_to_vec_zlib(&p);
                (p, u)
            }
        };
        match unpacked {
            Ok(u) if u == text => {}
            _ => return -1,
        }
        h = (h ^ packed.len() as u64).wrapping_mul(0x0100_0000_01b3);
        fnv(&mut h, &packed);
        done += len;
        chunk_no += 1;
    }
    h as i64
}

/// Compresses and decompresses n KiB of generated text; returns the mix.
#[cfg_attr(target_arch = "wasm32", unsafe(no_mangle))]
pub extern "C" fn run(n: i32) -> i64 {
    work(n.clamp(0, 1 << 20) as usize)
}
