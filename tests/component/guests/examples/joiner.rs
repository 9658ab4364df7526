//! Imports `tierwasm:guests/greeter` and exports `run`, which greets every name.
#![no_std]
extern crate alloc;
extern crate tierwasm_guests;

use alloc::{string::String, vec::Vec};
use tierwasm::guests::greeter::greet;

wit_bindgen::generate!({ path: "wit", world: "joiner-world" });

struct Joiner;

impl Guest for Joiner {
    fn run(names: Vec<String>) -> String {
        let greetings: Vec<String> = names.iter().map(|n| greet(n)).collect();
        greetings.join(" ")
    }
}

export!(Joiner);
