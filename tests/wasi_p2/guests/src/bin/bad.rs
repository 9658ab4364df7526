//! Bad input, one case per run (its argument): paths that leave the preopen given to
//! `open-at` directly (`absolute`, `dotdot`: they must fail with `not-permitted`, which
//! the program prints; `nul`: a path with a NUL byte), a forged handle, a closed one and
//! one of another resource type (`forged`, `closed`, `mistyped`: the engine must trap,
//! so the program never gets to print).

#[path = "../raw.rs"]
mod raw;

fn main() {
    let case = std::env::args().nth(1).unwrap_or_default();
    match case.as_str() {
        "absolute" | "dotdot" | "nul" => {
            let dir = raw::first_preopen();
            let path = match case.as_str() {
                "absolute" => "/etc/passwd",
                "dotdot" => "../secret.txt",
                _ => "a\0b",
            };
            match raw::open_at(dir, path) {
                Ok(_) => println!("opened {path}"),
                Err(code) => println!("error-code {code}"),
            }
        }
        "forged" => {
            raw::stat_code(0x7777);
            println!("forged handle accepted");
        }
        "mistyped" => {
            let p = raw::subscribe_duration(0);
            raw::stat_code(p);
            println!("mistyped handle accepted");
        }
        "closed" => {
            let p = raw::subscribe_duration(0);
            raw::drop_pollable(p);
            raw::ready(p);
            println!("closed handle accepted");
        }
        _ => panic!("unknown case {case}"),
    }
}
