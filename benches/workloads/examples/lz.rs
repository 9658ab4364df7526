//! `lz`: LZ77 compression and decompression of generated text, `run(n)`
//! processes n KiB (in 64 KiB chunks).
//!
//! Each chunk is text made of words from a small dictionary (so it has
//! repeats), compressed with an LZ4-style greedy matcher (hash table of
//! 4-byte prefixes, literal runs and back-references with varint lengths),
//! decompressed, and compared with the original. Byte loads and stores,
//! hashing, unpredictable branches, `memcpy`-like copies. Default n = 4096.
//! The checksum mixes the compressed sizes with a hash of the decoded bytes
//! (and is -1 if a round trip fails).

#![cfg_attr(target_arch = "wasm32", no_std)]

#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

const CHUNK: usize = 64 * 1024;
const OUT_CAP: usize = CHUNK + CHUNK / 8 + 64;
const HASH_BITS: u32 = 12;
const MIN_MATCH: usize = 4;
const MAX_OFFSET: usize = 65535;

struct Buffers {
    input: [u8; CHUNK],
    packed: [u8; OUT_CAP],
    decoded: [u8; CHUNK],
    table: [u32; 1 << HASH_BITS],
}

/// A static buffer, so the module needs no allocator; `run` holds the only
/// reference to it while it runs.
struct Static<T>(core::cell::UnsafeCell<T>);

// SAFETY: wasm is single-threaded and `run` is not re-entrant; natively, the
// `expected` tool calls each `run` from one thread at a time.
unsafe impl<T> Sync for Static<T> {}

static BUFS: Static<Buffers> = Static(core::cell::UnsafeCell::new(Buffers {
    input: [0; CHUNK],
    packed: [0; OUT_CAP],
    decoded: [0; CHUNK],
    table: [0; 1 << HASH_BITS],
}));

const WORDS: [&[u8]; 32] = [
    b"the",
    b"quick",
    b"brown",
    b"fox",
    b"jumps",
    b"over",
    b"lazy",
    b"dog",
    b"wasm",
    b"engine",
    b"register",
    b"bytecode",
    b"interpreter",
    b"tier",
    b"compile",
    b"hot",
    b"function",
    b"loop",
    b"memory",
    b"table",
    b"global",
    b"import",
    b"export",
    b"module",
    b"instance",
    b"store",
    b"value",
    b"stack",
    b"frame",
    b"call",
    b"return",
    b"trap",
];

fn generate(out: &mut [u8; CHUNK], seed: &mut u32) {
    let mut pos = 0;
    while pos < CHUNK {
        let mut x = *seed;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *seed = x;
        // skewed choice: low indices are more frequent
        let w = WORDS[((x & 31) & ((x >> 5) & 31)) as usize];
        let sep: &[u8] = match (x >> 10) & 15 {
            0 => b". ",
            1 => b", ",
            2 => b"\n",
            _ => b" ",
        };
        for &b in w.iter().chain(sep) {
            if pos == CHUNK {
                break;
            }
            out[pos] = b;
            pos += 1;
        }
    }
}

fn read32(s: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([s[i], s[i + 1], s[i + 2], s[i + 3]])
}

fn hash4(v: u32) -> usize {
    (v.wrapping_mul(2_654_435_761) >> (32 - HASH_BITS)) as usize
}

fn put_varint(out: &mut [u8], o: &mut usize, mut v: usize) {
    while v >= 0x80 {
        out[*o] = (v as u8) | 0x80;
        *o += 1;
        v >>= 7;
    }
    out[*o] = v as u8;
    *o += 1;
}

fn get_varint(src: &[u8], i: &mut usize) -> usize {
    let mut v = 0usize;
    let mut shift = 0;
    loop {
        let b = src[*i];
        *i += 1;
        v |= ((b & 0x7f) as usize) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

/// Emits one sequence: literal count, literals, match length (0 = none),
/// offset.
fn emit(out: &mut [u8], o: &mut usize, lits: &[u8], mlen: usize, off: usize) {
    put_varint(out, o, lits.len());
    out[*o..*o + lits.len()].copy_from_slice(lits);
    *o += lits.len();
    put_varint(out, o, mlen);
    if mlen != 0 {
        out[*o] = off as u8;
        out[*o + 1] = (off >> 8) as u8;
        *o += 2;
    }
}

fn compress(src: &[u8], out: &mut [u8], table: &mut [u32; 1 << HASH_BITS]) -> usize {
    table.fill(u32::MAX);
    let mut o = 0;
    let mut anchor = 0;
    let mut i = 0;
    while i + MIN_MATCH <= src.len() {
        let v = read32(src, i);
        let h = hash4(v);
        let cand = table[h];
        table[h] = i as u32;
        if cand != u32::MAX {
            let c = cand as usize;
            if i - c <= MAX_OFFSET && read32(src, c) == v {
                let mut len = MIN_MATCH;
                while i + len < src.len() && src[c + len] == src[i + len] {
                    len += 1;
                }
                emit(out, &mut o, &src[anchor..i], len, i - c);
                i += len;
                anchor = i;
                continue;
            }
        }
        i += 1;
    }
    emit(out, &mut o, &src[anchor..], 0, 0);
    o
}

fn decompress(src: &[u8], out: &mut [u8]) -> usize {
    let mut i = 0;
    let mut o = 0;
    while i < src.len() {
        let nlit = get_varint(src, &mut i);
        out[o..o + nlit].copy_from_slice(&src[i..i + nlit]);
        i += nlit;
        o += nlit;
        let mlen = get_varint(src, &mut i);
        if mlen != 0 {
            let off = src[i] as usize | (src[i + 1] as usize) << 8;
            i += 2;
            // byte by byte: matches may overlap their own output
            for k in 0..mlen {
                out[o + k] = out[o + k - off];
            }
            o += mlen;
        }
    }
    o
}

/// Compresses and decompresses n KiB of generated text, 64 KiB at a time.
#[cfg_attr(target_arch = "wasm32", unsafe(no_mangle))]
pub extern "C" fn run(n: i32) -> i64 {
    // SAFETY: see `Static`; this is the only reference while `run` runs.
    let b = unsafe { &mut *BUFS.0.get() };
    let chunks = (n.max(64) as usize).div_ceil(64);
    let mut seed = 0x1234_5678u32;
    let mut total_packed: i64 = 0;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for _ in 0..chunks {
        generate(&mut b.input, &mut seed);
        let packed = compress(&b.input, &mut b.packed, &mut b.table);
        let unpacked = decompress(&b.packed[..packed], &mut b.decoded);
        if unpacked != CHUNK || b.decoded != b.input {
            return -1;
        }
        total_packed += packed as i64;
        for w in b.decoded.chunks_exact(8) {
            let v = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
            hash = (hash ^ v).wrapping_mul(0x0100_0000_01b3);
        }
    }
    (hash as i64) ^ (total_packed << 40)
}
