//! `wasi:random`: secure bytes and numbers, insecure ones and the insecure seed (the
//! same on every call).

#[path = "../raw.rs"]
mod raw;

fn main() {
    let a = raw::random_bytes(32);
    let b = raw::random_bytes(32);
    assert_eq!(a.len(), 32);
    assert_ne!(a, b);
    assert!(a.iter().any(|x| *x != 0));
    assert_ne!(raw::random_u64(), raw::random_u64());
    println!("ok random");
    assert_ne!(raw::insecure_u64(), raw::insecure_u64());
    assert_eq!(raw::insecure_bytes(100).len(), 100);
    println!("ok insecure");
    assert_eq!(raw::insecure_seed(), raw::insecure_seed());
    println!("ok insecure-seed");
    // std's hash maps are seeded from `wasi:random` too.
    let m: std::collections::HashMap<u32, u32> = (0..100).map(|i| (i, i * 2)).collect();
    assert_eq!(m[&21], 42);
    println!("ok hashmap");
}
