//! Exports `tierwasm:guests/greeter`; logs every greeting through the host's `log`.
#![no_std]
extern crate alloc;
extern crate tierwasm_guests;

use alloc::{format, string::String, vec::Vec};
use exports::tierwasm::guests::greeter::{Guest, Person};

wit_bindgen::generate!({ path: "wit", world: "greeter-world" });

struct Greeter;

impl Guest for Greeter {
    fn greet(name: String) -> String {
        let s = format!("Hello, {name}!");
        log(&s);
        s
    }

    fn oldest(people: Vec<Person>) -> Option<Person> {
        people.into_iter().max_by_key(|p| p.age)
    }

    fn stats(values: Vec<f64>) -> Result<(f64, f64), String> {
        if values.is_empty() {
            return Err(String::from("no values"));
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        Ok((mean, var))
    }
}

export!(Greeter);
