//! `huge`: a large module (over 2 MB of code) for compile and startup
//! figures, which also does real work with every library it links: a small
//! static-site build. `run(n)` parses a TOML site config (`toml` + serde),
//! and for each of n pages evaluates a Rhai script that computes the page's
//! metadata (`rhai`), renders the page's Markdown to HTML
//! (`pulldown-cmark`), extracts links and headings with regexes (`regex`),
//! and records it in a JSON index (`serde_json`); then the whole site is
//! deflated (`miniz_oxide`), hashed (`blake3`), encrypted (`chacha20`), a
//! page-size spectrum is taken (`rustfft`) and the index size is raised
//! to a big power (`num-bigint`). Default n = 150.
//!
//! The checksum mixes the JSON index length, the compressed size, the
//! digest, regex counts and the other results. Like `rhai`, this fixes the
//! hashing seed, and `build.sh` fixes `ahash`'s compile-time seed.

use chacha20::ChaCha20;
use chacha20::cipher::{KeyIvInit, StreamCipher};
use num_bigint::BigUint;
use pulldown_cmark::{Options, Parser, html};
use regex::Regex;
use rhai::{Engine, Scope};
use rustfft::FftPlanner;
use rustfft::num_complex::Complex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

const CONFIG: &str = r#"
title = "tierwasm notes"
base_url = "https://tierwasm.example/"
languages = ["en", "de", "pl"]

[build]
minify = false
page_words = 120
sections = ["engine", "interpreter", "jit", "wasm", "bench"]

[taxonomies]
tags = ["rust", "wasm", "cranelift", "perf", "design"]

[script]
source = '''
fn weight(id, words) {
    let w = 0;
    for i in 0..words { w += (id * 31 + i * 17) % 13; }
    w
}
let tags = [];
for t in tag_names { if (id + t.len()) % 3 != 0 { tags.push(t); } }
let slug = section + "/" + title.to_lower().replace(" ", "-") + "-" + id;
#{ slug: slug, weight: weight(id, words), tags: tags, draft: id % 7 == 0 }
'''
"#;

#[derive(Deserialize)]
struct Config {
    title: String,
    base_url: String,
    languages: Vec<String>,
    build: Build,
    taxonomies: BTreeMap<String, Vec<String>>,
    script: Script,
}

#[derive(Deserialize)]
struct Build {
    minify: bool,
    page_words: u32,
    sections: Vec<String>,
}

#[derive(Deserialize)]
struct Script {
    source: String,
}

#[derive(Serialize, Deserialize)]
struct PageEntry {
    slug: String,
    title: String,
    weight: i64,
    tags: Vec<String>,
    draft: bool,
    links: Vec<String>,
    headings: usize,
    html_len: usize,
}

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

const WORDS: [&str; 16] = [
    "module", "engine", "tier", "compile", "stack", "frame", "memory", "table",
    "branch", "loop", "trap", "call", "value", "export", "import", "global",
];

fn page_markdown(rng: &mut Rng, title: &str, words: u32, base: &str) -> String {
    let mut md = format!("# {title}\n\n");
    for para in 0..4 {
        if para == 2 {
            writeln!(md, "## Details of {}\n", WORDS[rng.next() as usize % 16]).unwrap();
            md.push_str("| op | cost |\n|---|---:|\n");
            for _ in 0..3 {
                writeln!(md, "| `{}` | {} |", WORDS[rng.next() as usize % 16], rng.next() % 100).unwrap();
            }
            md.push('\n');
        }
        for i in 0..words / 4 {
            let w = WORDS[rng.next() as usize % 16];
            match rng.next() % 17 {
                0 => write!(md, "[{w}]({base}{w}/{i}) ").unwrap(),
                1 => write!(md, "*{w}* ").unwrap(),
                2 => write!(md, "`{w}()` ").unwrap(),
                3 => write!(md, "**{w}**. ").unwrap(),
                _ => write!(md, "{w} ").unwrap(),
            }
        }
        md.push_str("\n\n");
    }
    md.push_str("```wat\n(func $f (param i32) (result i32) local.get 0)\n```\n");
    md
}

fn work(n: usize) -> i64 {
    let config: Config = match toml::from_str(CONFIG) {
        Ok(c) => c,
        Err(_) => return -1,
    };
    let _ = rhai::config::hashing::set_hashing_seed(Some([1, 2, 3, 4]));
    let engine = Engine::new();
    let ast = match engine.compile(&config.script.source) {
        Ok(a) => a,
        Err(_) => return -1,
    };
    let tag_names: rhai::Array = config.taxonomies["tags"].iter().map(|t| t.clone().into()).collect();

    let link_re = Regex::new(r#"<a href="([^"]+)">"#).unwrap();
    let heading_re = Regex::new(r"<h([1-6])>([^<]*)</h[1-6]>").unwrap();
    let code_re = Regex::new(r"<code>(\w+)\(\)</code>").unwrap();

    let mut rng = Rng(0x5173_9e11);
    let mut index = Vec::with_capacity(n);
    let mut site = String::new();
    let mut code_refs = 0usize;
    let mut page_sizes = Vec::with_capacity(n);
    for id in 0..n {
        let section = &config.build.sections[id % config.build.sections.len()];
        let lang = &config.languages[id % config.languages.len()];
        let title = format!("{} {} {lang}", WORDS[rng.next() as usize % 16], WORDS[rng.next() as usize % 16]);
        let mut scope = Scope::new();
        scope.push("id", id as i64);
        scope.push("words", config.build.page_words as i64);
        scope.push("section", section.clone());
        scope.push("title", title.clone());
        scope.push("tag_names", tag_names.clone());
        let meta: rhai::Map = match engine.eval_ast_with_scope(&mut scope, &ast) {
            Ok(m) => m,
            Err(_) => return -1,
        };
        let md = page_markdown(&mut rng, &title, config.build.page_words, &config.base_url);
        let mut html_out = String::new();
        html::push_html(&mut html_out, Parser::new_ext(&md, Options::ENABLE_TABLES));
        let links: Vec<String> = link_re.captures_iter(&html_out).map(|c| c[1].to_string()).collect();
        let headings = heading_re.captures_iter(&html_out).count();
        code_refs += code_re.find_iter(&html_out).count();
        page_sizes.push(html_out.len());
        site.push_str(&html_out);
        index.push(PageEntry {
            slug: meta["slug"].clone().into_string().unwrap_or_default(),
            title,
            weight: meta["weight"].as_int().unwrap_or(-1),
            tags: meta["tags"]
                .clone()
                .into_typed_array::<rhai::ImmutableString>()
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.to_string())
                .collect(),
            draft: meta["draft"].as_bool().unwrap_or(false) && !config.build.minify,
            links,
            headings,
            html_len: html_out.len(),
        });
    }
    let json = serde_json::to_string(&index).unwrap();
    let back: Vec<PageEntry> = serde_json::from_str(&json).unwrap();
    let weights: i64 = back.iter().map(|p| p.weight).sum();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let drafts = value.as_array().map_or(0, |a| a.iter().filter(|p| p["draft"] == true).count());

    let packed = miniz_oxide::deflate::compress_to_vec(site.as_bytes(), 6);
    match miniz_oxide::inflate::decompress_to_vec(&packed) {
        Ok(u) if u == site.as_bytes() => {}
        _ => return -1,
    }
    let digest = blake3::hash(site.as_bytes());
    let mut secret = packed.clone();
    let mut cipher = ChaCha20::new(digest.as_bytes().into(), &[7u8; 12].into());
    cipher.apply_keystream(&mut secret);
    let cipher_sum = secret.iter().fold(0u64, |h, &b| h.rotate_left(3) ^ b as u64);

    let mut spectrum: Vec<Complex<f64>> = page_sizes.iter().map(|&s| Complex::new(s as f64, 0.0)).collect();
    if !spectrum.is_empty() {
        FftPlanner::new().plan_fft_forward(spectrum.len()).process(&mut spectrum);
    }
    // rounded, since twiddles come from libm
    let dc = spectrum.first().map_or(0, |c| (c.re / 64.0).round() as i64);

    let big = BigUint::from(json.len() as u64 + 1).pow(64) + BigUint::from(weights.unsigned_abs());
    let big_digits = big.to_str_radix(10);

    let mut mix = json.len() as i64;
    for v in [
        packed.len() as i64,
        i64::from_le_bytes(digest.as_bytes()[..8].try_into().unwrap()),
        cipher_sum as i64,
        weights,
        drafts as i64,
        code_refs as i64,
        dc,
        big_digits.bytes().map(|b| (b - b'0') as i64).sum(),
        config.title.len() as i64,
    ] {
        mix = mix.wrapping_mul(0x0100_0000_01b3) ^ v;
    }
    mix
}

/// Builds an n-page site with every linked library; returns the mix.
#[cfg_attr(target_arch = "wasm32", unsafe(no_mangle))]
pub extern "C" fn run(n: i32) -> i64 {
    work(n.clamp(0, 100_000) as usize)
}
