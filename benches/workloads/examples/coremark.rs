//! `coremark`: a CoreMark-like integer mix, `run(n)` runs n iterations.
//!
//! Each iteration does what CoreMark's three kernels do, on data in static
//! buffers (no allocator):
//! - a linked list of 128 nodes (indices, not pointers): find by value,
//!   reverse, bottom-up merge sort by data then by index;
//! - 20x20 matrices of i16 with i32 results: add/multiply by a constant,
//!   matrix-vector, matrix-matrix and a bit-extracting matrix-matrix product;
//! - a state machine that classifies the numbers of a 512-byte string, which
//!   is then corrupted and scanned again;
//!
//! and folds every result into a CRC-16 (CoreMark's bitwise `crcu8`).
//! Default n = 1200. The checksum is the final CRC chain mixed with the
//! per-kernel results.

#![cfg_attr(target_arch = "wasm32", no_std)]

#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

const LIST_LEN: usize = 128;
const FIND_N: u16 = 24;
const MAT_N: usize = 20;
const STATE_LEN: usize = 512;
const NIL: u32 = u32::MAX;

// ---------------------------------------------------------------- CRC-16

fn crcu8(data: u8, mut crc: u16) -> u16 {
    let mut data = data;
    for _ in 0..8 {
        let x16 = (data & 1) as u16 ^ (crc & 1);
        data >>= 1;
        let carry = if x16 == 1 {
            crc ^= 0x4002;
            true
        } else {
            false
        };
        crc >>= 1;
        if carry {
            crc |= 0x8000;
        } else {
            crc &= 0x7fff;
        }
    }
    crc
}

fn crcu16(v: u16, crc: u16) -> u16 {
    crcu8((v >> 8) as u8, crcu8(v as u8, crc))
}

fn crcu32(v: u32, crc: u16) -> u16 {
    crcu16((v >> 16) as u16, crcu16(v as u16, crc))
}

// ---------------------------------------------------------------- list

#[derive(Clone, Copy)]
struct Node {
    next: u32,
    data: i16,
    idx: i16,
}

fn list_init(nodes: &mut [Node; LIST_LEN], seed: u16) -> u32 {
    for (i, node) in nodes.iter_mut().enumerate() {
        let i16v = i as u16;
        let data = ((seed ^ i16v) & 0xf) << 8 | ((i16v.wrapping_mul(7) ^ seed) & 0xff);
        *node = Node {
            next: if i + 1 < LIST_LEN { i as u32 + 1 } else { NIL },
            data: (data & 0x7fff) as i16,
            idx: i as i16,
        };
    }
    0
}

fn list_find(nodes: &[Node; LIST_LEN], mut p: u32, low: i16) -> u32 {
    while p != NIL {
        let n = &nodes[p as usize];
        if n.data & 0xff == low {
            return p;
        }
        p = n.next;
    }
    NIL
}

fn list_reverse(nodes: &mut [Node; LIST_LEN], mut p: u32) -> u32 {
    let mut prev = NIL;
    while p != NIL {
        let next = nodes[p as usize].next;
        nodes[p as usize].next = prev;
        prev = p;
        p = next;
    }
    prev
}

fn cmp_data(a: &Node, b: &Node) -> bool {
    // true when a goes before b
    (a.data, a.idx) <= (b.data, b.idx)
}

fn cmp_idx(a: &Node, b: &Node) -> bool {
    a.idx <= b.idx
}

/// CoreMark's iterative bottom-up merge sort of a singly linked list.
fn list_mergesort(
    nodes: &mut [Node; LIST_LEN],
    mut list: u32,
    le: fn(&Node, &Node) -> bool,
) -> u32 {
    let mut insize = 1usize;
    loop {
        let mut p = list;
        list = NIL;
        let mut tail = NIL;
        let mut nmerges = 0;
        while p != NIL {
            nmerges += 1;
            let mut q = p;
            let mut psize = 0;
            for _ in 0..insize {
                psize += 1;
                q = nodes[q as usize].next;
                if q == NIL {
                    break;
                }
            }
            let mut qsize = insize;
            while psize > 0 || (qsize > 0 && q != NIL) {
                let e;
                if psize == 0 {
                    e = q;
                    q = nodes[q as usize].next;
                    qsize -= 1;
                } else if qsize == 0 || q == NIL || le(&nodes[p as usize], &nodes[q as usize]) {
                    e = p;
                    p = nodes[p as usize].next;
                    psize -= 1;
                } else {
                    e = q;
                    q = nodes[q as usize].next;
                    qsize -= 1;
                }
                if tail != NIL {
                    nodes[tail as usize].next = e;
                } else {
                    list = e;
                }
                tail = e;
            }
            p = q;
        }
        nodes[tail as usize].next = NIL;
        if nmerges <= 1 {
            return list;
        }
        insize *= 2;
    }
}

fn list_bench(nodes: &mut [Node; LIST_LEN], head: &mut u32, seed: u16) -> u16 {
    let mut found = 0i32;
    let mut missed = 0i32;
    let mut retval = 0i32;
    let mut h = *head;
    for i in 0..FIND_N {
        let want = ((i ^ seed).wrapping_mul(37) & 0xff) as i16;
        let p = list_find(nodes, h, want);
        if p == NIL {
            missed += 1;
            retval += (nodes[h as usize].data >> 8) as i32 & 1;
        } else {
            found += 1;
            let n = nodes[p as usize];
            if n.data & 1 != 0 {
                retval += (n.data >> 9) as i32 & 1;
            }
            // move the found node's successor to the front
            if n.next != NIL && p != h {
                let s = n.next;
                nodes[p as usize].next = nodes[s as usize].next;
                nodes[s as usize].next = h;
                h = s;
            }
        }
        h = list_reverse(nodes, h);
    }
    retval += found * 4 - missed;
    // scramble the data so the sort has work to do
    let mut p = h;
    while p != NIL {
        let n = &mut nodes[p as usize];
        n.data = (n.data.wrapping_mul(31).wrapping_add(seed as i16)) & 0x7fff;
        p = n.next;
    }
    h = list_mergesort(nodes, h, cmp_data);
    let mut crc = crcu32(retval as u32, 0);
    let mut p = h;
    while p != NIL {
        crc = crcu16(nodes[p as usize].data as u16, crc);
        p = nodes[p as usize].next;
    }
    h = list_mergesort(nodes, h, cmp_idx);
    let mut p = h;
    while p != NIL {
        crc = crcu16(nodes[p as usize].idx as u16, crc);
        p = nodes[p as usize].next;
    }
    *head = h;
    crc
}

// ---------------------------------------------------------------- matrix

type MatA = [[i16; MAT_N]; MAT_N];
type MatC = [[i32; MAT_N]; MAT_N];

fn matrix_init(a: &mut MatA, b: &mut MatA, mut seed: i32) {
    let mut order = 1i32;
    for i in 0..MAT_N {
        for j in 0..MAT_N {
            seed = (order * seed) % 65536;
            let mut val = seed + order;
            b[i][j] = (val & 0xffff) as i16;
            val += order;
            a[i][j] = (val & 0xff) as i16;
            order += 1;
        }
    }
}

fn matrix_sum(c: &MatC, clipval: i32) -> i16 {
    let mut tmp = 0i32;
    let mut prev = 0i32;
    let mut ret = 0i16;
    for row in c {
        for &cur in row {
            tmp = tmp.wrapping_add(cur);
            if tmp > clipval {
                ret = ret.wrapping_add(10);
                tmp = 0;
            } else if cur > prev {
                ret = ret.wrapping_add(1);
            }
            prev = cur;
        }
    }
    ret
}

fn matrix_bench(a: &mut MatA, b: &MatA, c: &mut MatC, val: i16) -> u16 {
    let clipval = 0x0fff_ffff;
    let mut crc = 0u16;
    // add constant
    for row in a.iter_mut() {
        for x in row.iter_mut() {
            *x = x.wrapping_add(val);
        }
    }
    // multiply by constant
    for i in 0..MAT_N {
        for j in 0..MAT_N {
            c[i][j] = a[i][j] as i32 * val as i32;
        }
    }
    crc = crcu16(matrix_sum(c, clipval) as u16, crc);
    // matrix * vector (first column of b)
    for i in 0..MAT_N {
        let mut acc = 0i32;
        for j in 0..MAT_N {
            acc = acc.wrapping_add(a[i][j] as i32 * b[j][0] as i32);
        }
        c[i][0] = acc;
    }
    crc = crcu16(matrix_sum(c, clipval) as u16, crc);
    // matrix * matrix
    for i in 0..MAT_N {
        for j in 0..MAT_N {
            let mut acc = 0i32;
            for k in 0..MAT_N {
                acc = acc.wrapping_add(a[i][k] as i32 * b[k][j] as i32);
            }
            c[i][j] = acc;
        }
    }
    crc = crcu16(matrix_sum(c, clipval) as u16, crc);
    // matrix * matrix, extracting bits of each product
    for i in 0..MAT_N {
        for j in 0..MAT_N {
            let mut acc = 0i32;
            for k in 0..MAT_N {
                let t = a[i][k] as i32 * b[k][j] as i32;
                acc = acc.wrapping_add(((t >> 2) & 0xf) * ((t >> 5) & 0x7f));
            }
            c[i][j] = acc;
        }
    }
    crc = crcu16(matrix_sum(c, clipval) as u16, crc);
    // undo the constant so every iteration starts from the same matrix
    for row in a.iter_mut() {
        for x in row.iter_mut() {
            *x = x.wrapping_sub(val);
        }
    }
    crc
}

// ---------------------------------------------------------------- state machine

const S_START: usize = 0;
const S_INVALID: usize = 1;
const S_S1: usize = 2;
const S_S2: usize = 3;
const S_INT: usize = 4;
const S_FLOAT: usize = 5;
const S_EXPONENT: usize = 6;
const S_SCIENTIFIC: usize = 7;

const PATTERNS: [&[u8; 8]; 16] = [
    b"5012,000",
    b"1234,000",
    b"-874,000",
    b"+122,000", // ints (4 chars used)
    b"35.54400",
    b".1234500",
    b"-110.700",
    b"+0.64400", // floats
    b"5.500e+3",
    b"-.123e-2",
    b"-87e+832",
    b"+0.6e-12", // scientific
    b"T0.3e-1F",
    b"-T.T++Tq",
    b"1T3.4e4z",
    b"34.0e-T^", // invalid
];

fn state_init(buf: &mut [u8; STATE_LEN], seed: u32) {
    let mut x = seed | 1;
    let mut pos = 0;
    loop {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let k = (x % 16) as usize;
        let len = if k < 4 { 4 } else { 8 };
        if pos + len + 1 > STATE_LEN {
            break;
        }
        buf[pos..pos + len].copy_from_slice(&PATTERNS[k][..len]);
        buf[pos + len] = b',';
        pos += len + 1;
    }
    for b in &mut buf[pos..] {
        *b = 0;
    }
}

fn state_transition(s: &[u8; STATE_LEN], pos: &mut usize, counts: &mut [u32; 8]) -> usize {
    let mut state = S_START;
    while *pos < STATE_LEN && state != S_INVALID {
        let c = s[*pos];
        if c == 0 {
            break;
        }
        *pos += 1;
        if c == b',' {
            break;
        }
        let digit = c.is_ascii_digit();
        match state {
            S_START => {
                state = if digit {
                    S_INT
                } else if c == b'+' || c == b'-' {
                    S_S1
                } else if c == b'.' {
                    S_FLOAT
                } else {
                    counts[S_INVALID] += 1;
                    S_INVALID
                };
                counts[S_START] += 1;
            }
            S_S1 => {
                state = if digit {
                    S_INT
                } else if c == b'.' {
                    S_FLOAT
                } else {
                    S_INVALID
                };
                counts[S_S1] += 1;
            }
            S_INT => {
                if c == b'.' {
                    state = S_FLOAT;
                    counts[S_INT] += 1;
                } else if !digit {
                    state = S_INVALID;
                    counts[S_INT] += 1;
                }
            }
            S_FLOAT => {
                if c == b'E' || c == b'e' {
                    state = S_S2;
                    counts[S_FLOAT] += 1;
                } else if !digit {
                    state = S_INVALID;
                    counts[S_FLOAT] += 1;
                }
            }
            S_S2 => {
                state = if c == b'+' || c == b'-' {
                    S_EXPONENT
                } else {
                    S_INVALID
                };
                counts[S_S2] += 1;
            }
            S_EXPONENT => {
                state = if digit { S_SCIENTIFIC } else { S_INVALID };
                counts[S_EXPONENT] += 1;
            }
            _ => {
                if !digit {
                    state = S_INVALID;
                    counts[S_INVALID] += 1;
                }
            }
        }
    }
    state
}

fn state_scan(s: &[u8; STATE_LEN], finals: &mut [u32; 8], counts: &mut [u32; 8]) {
    let mut pos = 0;
    while pos < STATE_LEN && s[pos] != 0 {
        let st = state_transition(s, &mut pos, counts);
        finals[st] += 1;
    }
}

fn state_bench(s: &mut [u8; STATE_LEN], seed: u8, step: usize) -> u16 {
    // `seed` has its top bit set, so a corrupted byte is never `,` or NUL and
    // the second xor restores exactly the bytes the first one changed.
    let mut finals = [0u32; 8];
    let mut counts = [0u32; 8];
    state_scan(s, &mut finals, &mut counts);
    for pass in 0..2 {
        let mut i = pass;
        while i < STATE_LEN {
            if s[i] != b',' && s[i] != 0 {
                s[i] ^= seed;
            }
            i += step;
        }
        state_scan(s, &mut finals, &mut counts);
        let mut i = pass;
        while i < STATE_LEN {
            if s[i] != b',' && s[i] != 0 {
                s[i] ^= seed;
            }
            i += step;
        }
    }
    let mut crc = 0u16;
    for k in 0..8 {
        crc = crcu32(finals[k], crc);
        crc = crcu32(counts[k], crc);
    }
    crc
}

// ---------------------------------------------------------------- driver

struct State {
    nodes: [Node; LIST_LEN],
    head: u32,
    a: MatA,
    b: MatA,
    c: MatC,
    text: [u8; STATE_LEN],
}

/// A static buffer, so the module needs no allocator; `run` holds the only
/// reference to it while it runs.
struct Static<T>(core::cell::UnsafeCell<T>);

// SAFETY: wasm is single-threaded and `run` is not re-entrant; natively, the
// `expected` tool calls each `run` from one thread at a time.
unsafe impl<T> Sync for Static<T> {}

static STATE: Static<State> = Static(core::cell::UnsafeCell::new(State {
    nodes: [Node {
        next: NIL,
        data: 0,
        idx: 0,
    }; LIST_LEN],
    head: NIL,
    a: [[0; MAT_N]; MAT_N],
    b: [[0; MAT_N]; MAT_N],
    c: [[0; MAT_N]; MAT_N],
    text: [0; STATE_LEN],
}));

/// Runs n iterations of the three kernels and returns the mixed CRCs.
#[cfg_attr(target_arch = "wasm32", unsafe(no_mangle))]
pub extern "C" fn run(n: i32) -> i64 {
    // SAFETY: see `Static`; this is the only reference while `run` runs.
    let st = unsafe { &mut *STATE.0.get() };
    st.head = list_init(&mut st.nodes, 0x3415);
    matrix_init(&mut st.a, &mut st.b, 0x66);
    state_init(&mut st.text, 0x1234_5679);

    let mut crc = 0u16;
    let mut mix: i64 = 0;
    for iter in 0..n.max(0) as u32 {
        let r_list = list_bench(&mut st.nodes, &mut st.head, iter as u16);
        let r_mat = matrix_bench(&mut st.a, &st.b, &mut st.c, (iter & 0x3f) as i16 | 1);
        let step = 2 + (iter as usize % 7);
        let r_state = state_bench(&mut st.text, (iter as u8) | 0x80, step);
        crc = crcu16(r_list, crc);
        crc = crcu16(r_mat, crc);
        crc = crcu16(r_state, crc);
        mix = mix
            .wrapping_mul(0x0100_0000_01b3)
            .wrapping_add(((r_list as i64) << 32) | ((r_mat as i64) << 16) | r_state as i64);
    }
    mix ^ ((crc as i64) << 48)
}
