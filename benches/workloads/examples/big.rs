//! `big`: a large module for measuring translation throughput (about a
//! megabyte of code from `regex` and `serde_json`), which also does real
//! work: `run(n)` builds n records, serializes them to JSON, parses the JSON
//! back (typed and as `serde_json::Value`), and runs several regexes (with
//! Unicode classes, captures and replacement) over the text.
//!
//! Unlike the other workloads this uses `std` (allocator, `String`, `Vec`);
//! on wasm32-unknown-unknown that still needs no imports. Default n = 1000.
//! The checksum mixes the JSON length, match counts and capture values.

use regex::Regex;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, PartialEq)]
struct Record {
    id: u32,
    name: String,
    email: String,
    city: String,
    joined: String,
    tags: Vec<String>,
    score: f64,
    active: bool,
}

const FIRST: [&str; 8] = [
    "Ada",
    "Zoë",
    "Łukasz",
    "Ömer",
    "Grace",
    "José",
    "Ångström",
    "Linus",
];
const LAST: [&str; 8] = [
    "Lovelace",
    "Müller",
    "Nowak",
    "Yılmaz",
    "Hopper",
    "García",
    "Öberg",
    "Kernighan",
];
const CITIES: [&str; 6] = [
    "Zürich",
    "Kraków",
    "İstanbul",
    "New York",
    "São Paulo",
    "Tromsø",
];
const TAGS: [&str; 7] = ["admin", "beta", "wasm", "rust", "jit", "interp", "ops"];

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

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() as usize % items.len()]
    }
}

fn make_records(n: usize) -> Vec<Record> {
    let mut rng = Rng(0x5eed_1234);
    (0..n)
        .map(|i| {
            let first = rng.pick(&FIRST);
            let last = rng.pick(&LAST);
            let domain = ["example.com", "mail.test", "wasm.dev"][rng.next() as usize % 3];
            let tags = (0..rng.next() % 4)
                .map(|_| rng.pick(&TAGS).to_string())
                .collect();
            Record {
                id: i as u32,
                name: format!("{first} {last}"),
                email: format!(
                    "{}.{}{}@{domain}",
                    first.to_lowercase(),
                    last.to_lowercase(),
                    i % 97
                ),
                city: rng.pick(&CITIES).to_string(),
                joined: format!(
                    "{:04}-{:02}-{:02}",
                    1990 + rng.next() % 35,
                    1 + rng.next() % 12,
                    1 + rng.next() % 28
                ),
                tags,
                score: (rng.next() % 100_000) as f64 / 128.0,
                active: rng.next() & 1 == 1,
            }
        })
        .collect()
}

fn work(n: usize) -> i64 {
    let records = make_records(n);
    let json = serde_json::to_string_pretty(&records).expect("serialize");
    let back: Vec<Record> = serde_json::from_str(&json).expect("parse typed");
    if back != records {
        return -1;
    }
    let value: serde_json::Value = serde_json::from_str(&json).expect("parse value");
    let mut score_sum = 0.0f64;
    let mut tag_count = 0u64;
    if let Some(items) = value.as_array() {
        for item in items {
            score_sum += item["score"].as_f64().unwrap_or(0.0);
            tag_count += item["tags"].as_array().map_or(0, |t| t.len() as u64);
        }
    }

    let email = Regex::new(r"(?i)\b[\w.%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b").expect("regex");
    let name = Regex::new(r"\b\p{Lu}\p{Ll}+\s+\p{Lu}\p{Ll}+\b").expect("regex");
    let date = Regex::new(r"(?<y>\d{4})-(?<m>\d{2})-(?<d>\d{2})").expect("regex");
    let words = Regex::new(r"[\p{L}\p{N}]+").expect("regex");

    let emails = email.find_iter(&json).count() as i64;
    let names = name.find_iter(&json).count() as i64;
    let mut date_sum = 0i64;
    for caps in date.captures_iter(&json) {
        let y: i64 = caps["y"].parse().unwrap_or(0);
        let m: i64 = caps["m"].parse().unwrap_or(0);
        let d: i64 = caps["d"].parse().unwrap_or(0);
        date_sum += y * 400 + m * 31 + d;
    }
    let word_count = words.find_iter(&json).count() as i64;
    let redacted = email.replace_all(&json, "<email>");
    let non_ascii = json.chars().filter(|c| !c.is_ascii()).count() as i64;

    let mut h = json.len() as i64;
    for v in [
        emails,
        names,
        date_sum,
        word_count,
        redacted.len() as i64,
        non_ascii,
        tag_count as i64,
        score_sum.to_bits() as i64,
    ] {
        h = h.wrapping_mul(0x0100_0000_01b3) ^ v;
    }
    h
}

/// Builds, serializes, parses and searches n records; returns the mix.
#[cfg_attr(target_arch = "wasm32", unsafe(no_mangle))]
pub extern "C" fn run(n: i32) -> i64 {
    work(n.clamp(0, 1_000_000) as usize)
}
