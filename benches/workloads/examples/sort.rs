//! `sort`: quicksort and heapsort of n pseudo-random i32s, `run(n)` sorts
//! n elements with each (n is clamped to 1..=1048576).
//!
//! The array lives in a static buffer and is filled by xorshift32. Quicksort
//! uses a median-of-three Hoare partition with an insertion sort below 16
//! elements; heapsort is the textbook sift-down. Loads, stores, compares and
//! branches, with bounds checks. Default n = 400000. The checksum folds every
//! element of both sorted arrays (and is -1 if either is not sorted).

#![cfg_attr(target_arch = "wasm32", no_std)]

#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

const CAP: usize = 1 << 20;

/// A static buffer, so the module needs no allocator; `run` holds the only
/// reference to it while it runs.
struct Static<T>(core::cell::UnsafeCell<T>);

// SAFETY: wasm is single-threaded and `run` is not re-entrant; natively, the
// `expected` tool calls each `run` from one thread at a time.
unsafe impl<T> Sync for Static<T> {}

static DATA: Static<[i32; CAP]> = Static(core::cell::UnsafeCell::new([0; CAP]));

fn fill(a: &mut [i32], seed: u32) {
    let mut x = seed;
    for v in a.iter_mut() {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *v = x as i32;
    }
}

fn insertion_sort(a: &mut [i32]) {
    for i in 1..a.len() {
        let v = a[i];
        let mut j = i;
        while j > 0 && a[j - 1] > v {
            a[j] = a[j - 1];
            j -= 1;
        }
        a[j] = v;
    }
}

fn quicksort(mut a: &mut [i32]) {
    loop {
        let len = a.len();
        if len <= 16 {
            insertion_sort(a);
            return;
        }
        // median of three into a[mid]
        let mid = len / 2;
        if a[mid] < a[0] {
            a.swap(mid, 0);
        }
        if a[len - 1] < a[0] {
            a.swap(len - 1, 0);
        }
        if a[len - 1] < a[mid] {
            a.swap(len - 1, mid);
        }
        let pivot = a[mid];
        // Hoare partition
        let mut i = 0usize;
        let mut j = len - 1;
        loop {
            while a[i] < pivot {
                i += 1;
            }
            while a[j] > pivot {
                j -= 1;
            }
            if i >= j {
                break;
            }
            a.swap(i, j);
            i += 1;
            j -= 1;
        }
        // recurse into the smaller half, loop on the larger one
        let (left, right) = a.split_at_mut(j + 1);
        if left.len() < right.len() {
            quicksort(left);
            a = right;
        } else {
            quicksort(right);
            a = left;
        }
    }
}

fn sift_down(a: &mut [i32], mut root: usize, end: usize) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && a[child] < a[child + 1] {
            child += 1;
        }
        if a[root] >= a[child] {
            return;
        }
        a.swap(root, child);
        root = child;
    }
}

fn heapsort(a: &mut [i32]) {
    let len = a.len();
    for i in (0..len / 2).rev() {
        sift_down(a, i, len);
    }
    for end in (1..len).rev() {
        a.swap(0, end);
        sift_down(a, 0, end);
    }
}

fn checksum(a: &[i32]) -> i64 {
    let mut h: i64 = 0;
    for (i, w) in a.windows(2).enumerate() {
        if w[0] > w[1] {
            return -1;
        }
        h = h.wrapping_mul(31).wrapping_add(w[0] as i64 ^ i as i64);
    }
    h.wrapping_mul(31).wrapping_add(a[a.len() - 1] as i64)
}

/// Sorts n pseudo-random i32s with quicksort, then n others with heapsort.
#[cfg_attr(target_arch = "wasm32", unsafe(no_mangle))]
pub extern "C" fn run(n: i32) -> i64 {
    let n = (n.max(1) as usize).min(CAP);
    // SAFETY: see `Static`; this is the only reference while `run` runs.
    let data = unsafe { &mut *DATA.0.get() };
    let a = &mut data[..n];

    fill(a, 0x9e37_79b9);
    quicksort(a);
    let q = checksum(a);

    fill(a, 0x7f4a_7c15);
    heapsort(a);
    let h = checksum(a);

    if q == -1 || h == -1 {
        return -1;
    }
    q ^ h.rotate_left(17)
}
