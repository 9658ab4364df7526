//! `markdown`: CommonMark to HTML with `pulldown-cmark` (the parser behind
//! rustdoc and mdBook). `run(n)` generates a document of n sections —
//! headings, paragraphs with emphasis, code spans, links and autolinks,
//! nested and ordered lists, task lists, block quotes, fenced code, GFM
//! tables, footnotes, strikethrough, HTML entities and reference links —
//! parses it with the GFM extensions on and renders HTML. Byte scanning,
//! an inline parser with a delimiter stack, a tree of events and string
//! building. Default n = 1000.
//!
//! The checksum mixes the HTML length, a hash of the HTML, and the counts
//! of a few event kinds from a second pass over the events.

use pulldown_cmark::{Event, Options, Parser, Tag, html};
use std::fmt::Write as _;

const WORDS: [&str; 20] = [
    "wasm", "module", "engine", "tier", "compile", "stack", "frame", "value", "table",
    "memory", "global", "export", "import", "trap", "branch", "loop", "block", "local",
    "call", "result",
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

fn sentence(rng: &mut Rng, out: &mut String) {
    let words = 6 + rng.next() % 14;
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        let w = rng.word();
        match rng.next() % 23 {
            0 => write!(out, "*{w}*").unwrap(),
            1 => write!(out, "**{w}**").unwrap(),
            2 => write!(out, "`{w}_{i}()`").unwrap(),
            3 => write!(out, "[{w}](https://example.com/{w}/{i} \"{w}\")").unwrap(),
            4 => write!(out, "~~{w}~~").unwrap(),
            5 => write!(out, "<https://{w}.dev/{i}>").unwrap(),
            6 => write!(out, "{w} &amp; {w}&nbsp;&copy;").unwrap(),
            7 => write!(out, "[{w}][ref{}]", rng.next() % 8).unwrap(),
            8 => write!(out, "_{w} **{w}**_").unwrap(),
            9 => write!(out, "{w}[^note{}]", rng.next() % 4).unwrap(),
            _ => out.push_str(w),
        }
    }
    out.push_str(". ");
}

fn make_doc(n: usize) -> String {
    let mut rng = Rng(0x3a4c_d0c5);
    let mut doc = String::new();
    for i in 0..8 {
        writeln!(doc, "[ref{i}]: https://example.org/ref/{i} \"Reference {i}\"").unwrap();
    }
    for i in 0..4 {
        writeln!(doc, "\n[^note{i}]: Footnote {i} with *emphasis* and `code`.").unwrap();
    }
    for s in 0..n {
        let level = 1 + rng.next() % 3;
        writeln!(doc, "\n{} Section {s}: {} {}\n", "#".repeat(level as usize), rng.word(), rng.word()).unwrap();
        match rng.next() % 7 {
            0 => {
                for i in 0..3 + rng.next() % 4 {
                    write!(doc, "{}. ", i + 1).unwrap();
                    sentence(&mut rng, &mut doc);
                    doc.push('\n');
                    if rng.next() % 3 == 0 {
                        doc.push_str("   - nested ");
                        sentence(&mut rng, &mut doc);
                        doc.push('\n');
                    }
                }
            }
            1 => {
                doc.push_str("| name | kind | size |\n|:---|:---:|---:|\n");
                for _ in 0..2 + rng.next() % 5 {
                    writeln!(doc, "| `{}` | *{}* | {} |", rng.word(), rng.word(), rng.next() % 10000).unwrap();
                }
            }
            2 => {
                writeln!(doc, "```rust\nfn {}() -> u32 {{", rng.word()).unwrap();
                for i in 0..3 + rng.next() % 6 {
                    writeln!(doc, "    let {}{i} = {} << 2; // <{}>", rng.word(), rng.next() % 99, rng.word()).unwrap();
                }
                doc.push_str("}\n```\n");
            }
            3 => {
                for _ in 0..2 + rng.next() % 3 {
                    doc.push_str("> ");
                    sentence(&mut rng, &mut doc);
                    doc.push('\n');
                }
            }
            4 => {
                for _ in 0..2 + rng.next() % 4 {
                    let done = if rng.next() & 1 == 0 { ' ' } else { 'x' };
                    write!(doc, "- [{done}] ").unwrap();
                    sentence(&mut rng, &mut doc);
                    doc.push('\n');
                }
            }
            _ => {}
        }
        doc.push('\n');
        for _ in 0..1 + rng.next() % 3 {
            for _ in 0..1 + rng.next() % 4 {
                sentence(&mut rng, &mut doc);
            }
            doc.push_str("\n\n");
        }
    }
    doc
}

fn work(n: usize) -> i64 {
    let doc = make_doc(n);
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION;
    let mut out = String::with_capacity(doc.len() * 2);
    html::push_html(&mut out, Parser::new_ext(&doc, opts));

    let (mut links, mut code, mut headings, mut text) = (0i64, 0i64, 0i64, 0i64);
    for ev in Parser::new_ext(&doc, opts) {
        match ev {
            Event::Start(Tag::Link { .. }) => links += 1,
            Event::Start(Tag::Heading { .. }) => headings += 1,
            Event::Code(_) => code += 1,
            Event::Text(t) => text += t.len() as i64,
            _ => {}
        }
    }
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &b in out.as_bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    let mut mix = out.len() as i64;
    for v in [h as i64, links, code, headings, text] {
        mix = mix.wrapping_mul(0x0100_0000_01b3) ^ v;
    }
    mix
}

/// Renders an n-section generated document to HTML; returns the mix.
#[cfg_attr(target_arch = "wasm32", unsafe(no_mangle))]
pub extern "C" fn run(n: i32) -> i64 {
    work(n.clamp(0, 1_000_000) as usize)
}
