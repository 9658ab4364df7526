//! `tomlrt`: TOML round trips with the `toml` crate and serde (the parser
//! and writer Cargo uses). `run(n)` builds a manifest-like document of n
//! package tables (strings with escapes and Unicode, integers, floats,
//! booleans, offset date-times, arrays, inline tables, nested tables and
//! arrays of tables), serializes it to TOML, parses it back into typed
//! structs (checked equal), parses it again as an untyped `toml::Table`,
//! walks that, and writes the table back out. Tokenizing, string
//! unescaping, float and date parsing, serde visitors, maps of strings.
//! Default n = 800.
//!
//! The checksum mixes the lengths and hashes of both TOML texts with
//! counts from the walk (and is -1 if a typed round trip differs).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Manifest {
    title: String,
    version: u32,
    generated: toml::value::Datetime,
    package: Vec<Package>,
    profile: BTreeMap<String, Profile>,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Package {
    name: String,
    version: String,
    description: String,
    downloads: i64,
    score: f64,
    yanked: bool,
    authors: Vec<String>,
    keywords: Vec<String>,
    released: toml::value::Datetime,
    limits: Limits,
    dependencies: BTreeMap<String, Dep>,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Limits {
    memory_pages: u32,
    table_size: u32,
    ratio: f64,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Dep {
    version: String,
    optional: bool,
    features: Vec<String>,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Profile {
    opt_level: u8,
    lto: bool,
    debug: bool,
}

const WORDS: [&str; 16] = [
    "wasm", "tier", "jit", "interp", "parse", "json", "toml", "serde", "async", "core",
    "alloc", "bytes", "cli", "log", "crypto", "fft",
];
const AUTHORS: [&str; 6] = [
    "Ada Lovelace <ada@example.com>",
    "Zoë Müller",
    "Łukasz \"Luke\" Nowak",
    "Ömer Yılmaz <omer@example.org>",
    "José García\tjr",
    "Grace Hopper <grace@navy.mil>",
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

    fn word(&mut self) -> &'static str {
        WORDS[self.next() as usize % WORDS.len()]
    }
}

fn datetime(rng: &mut Rng) -> toml::value::Datetime {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+{:02}:00",
        2000 + rng.next() % 26,
        1 + rng.next() % 12,
        1 + rng.next() % 28,
        rng.next() % 24,
        rng.next() % 60,
        rng.next() % 60,
        rng.next() % 1000,
        rng.next() % 12
    )
    .parse()
    .expect("datetime")
}

fn make(n: usize) -> Manifest {
    let mut rng = Rng(0x7011_1234);
    let package = (0..n)
        .map(|i| {
            let name = format!("{}-{}-{i}", rng.word(), rng.word());
            let dependencies = (0..rng.next() % 5)
                .map(|d| {
                    let dep = format!("{}{d}", rng.word());
                    let features = (0..rng.next() % 3).map(|_| rng.word().to_string()).collect();
                    let dep_v = Dep {
                        version: format!("^{}.{}", rng.next() % 3, rng.next() % 40),
                        optional: rng.next() & 1 == 1,
                        features,
                    };
                    (dep, dep_v)
                })
                .collect();
            Package {
                description: format!(
                    "The {} {} crate: \"{}\" for {}\\{} — ünïcödé ✓ line\nbreak",
                    rng.word(),
                    rng.word(),
                    rng.word(),
                    rng.word(),
                    rng.word()
                ),
                version: format!("{}.{}.{}", rng.next() % 5, rng.next() % 50, rng.next() % 20),
                downloads: (rng.next() as i64) * 37 - 1_000_000,
                score: (rng.next() % 1_000_000) as f64 / 1024.0 + 0.1,
                yanked: rng.next() % 10 == 0,
                authors: (0..1 + rng.next() % 3)
                    .map(|_| AUTHORS[rng.next() as usize % AUTHORS.len()].to_string())
                    .collect(),
                keywords: (0..rng.next() % 5).map(|_| rng.word().to_string()).collect(),
                released: datetime(&mut rng),
                limits: Limits {
                    memory_pages: rng.next() % 65536,
                    table_size: rng.next() % 10000,
                    ratio: (rng.next() % 1000) as f64 / 7.0,
                },
                dependencies,
                name,
            }
        })
        .collect();
    let profile = ["dev", "release", "bench", "test"]
        .iter()
        .map(|p| {
            let prof = Profile {
                opt_level: (rng.next() % 4) as u8,
                lto: rng.next() & 1 == 1,
                debug: rng.next() & 1 == 1,
            };
            (p.to_string(), prof)
        })
        .collect();
    Manifest {
        title: "tierwasm \"registry\" snapshot".into(),
        version: 3,
        generated: datetime(&mut rng),
        package,
        profile,
    }
}

fn fnv(h: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *h = (*h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
}

#[derive(Default)]
struct Counts {
    strings: i64,
    string_bytes: i64,
    ints: i64,
    floats: i64,
    tables: i64,
    arrays: i64,
    dates: i64,
}

fn walk(v: &toml::Value, c: &mut Counts) {
    match v {
        toml::Value::String(s) => {
            c.strings += 1;
            c.string_bytes += s.len() as i64;
        }
        toml::Value::Integer(i) => c.ints = c.ints.wrapping_add(*i),
        toml::Value::Float(f) => c.floats = c.floats.wrapping_add(f.to_bits() as i64),
        toml::Value::Boolean(b) => c.ints += *b as i64,
        toml::Value::Datetime(_) => c.dates += 1,
        toml::Value::Array(a) => {
            c.arrays += 1;
            a.iter().for_each(|x| walk(x, c));
        }
        toml::Value::Table(t) => {
            c.tables += 1;
            t.values().for_each(|x| walk(x, c));
        }
    }
}

fn work(n: usize) -> i64 {
    let manifest = make(n);
    let text = toml::to_string(&manifest).expect("serialize");
    let back: Manifest = toml::from_str(&text).expect("parse typed");
    if back != manifest {
        return -1;
    }
    let table: toml::Table = text.parse().expect("parse table");
    let mut counts = Counts::default();
    for v in table.values() {
        walk(v, &mut counts);
    }
    let again = toml::to_string(&table).expect("serialize table");
    let mut h1 = 0xcbf2_9ce4_8422_2325u64;
    fnv(&mut h1, text.as_bytes());
    let mut h2 = 0xcbf2_9ce4_8422_2325u64;
    fnv(&mut h2, again.as_bytes());
    let mut mix = text.len() as i64;
    for v in [
        again.len() as i64,
        h1 as i64,
        h2 as i64,
        counts.strings,
        counts.string_bytes,
        counts.ints,
        counts.floats,
        counts.tables,
        counts.arrays,
        counts.dates,
    ] {
        mix = mix.wrapping_mul(0x0100_0000_01b3) ^ v;
    }
    mix
}

/// Serializes, parses and re-serializes an n-package TOML document.
#[cfg_attr(target_arch = "wasm32", unsafe(no_mangle))]
pub extern "C" fn run(n: i32) -> i64 {
    work(n.clamp(0, 1_000_000) as usize)
}
