//! `files DIR N`: writes N small files into DIR (a preopened directory), then reads each
//! back and checks it, and prints the count, the bytes and an FNV-1a hash of all it read.
//! Exits with 1 if a file reads back different from what was written.

use std::fs;

/// The contents of file `i`: 40 to 167 bytes that depend on `i`.
fn contents(i: u32) -> Vec<u8> {
    let line = format!("file {i:05} of the tierwasm WASI benchmark\n");
    let mut data = line.into_bytes();
    data.resize(40 + (i as usize * 7919) % 128, b'a' + (i % 26) as u8);
    data
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (dir, n) = match args.as_slice() {
        [_, dir, n] => (dir.clone(), n.parse::<u32>().expect("N is a count")),
        _ => {
            eprintln!("usage: files DIR N");
            std::process::exit(2)
        }
    };
    let path = |i: u32| format!("{dir}/f{i:05}.txt");
    for i in 0..n {
        fs::write(path(i), contents(i)).expect("write");
    }
    let (mut bytes, mut hash) = (0u64, 0xcbf2_9ce4_8422_2325u64);
    for i in 0..n {
        let data = fs::read(path(i)).expect("read");
        if data != contents(i) {
            eprintln!("file {i} read back different");
            std::process::exit(1);
        }
        bytes += data.len() as u64;
        for b in data {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("files: {n} written and read back, {bytes} bytes, fnv1a {hash:016x}");
}
