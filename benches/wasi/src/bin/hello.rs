//! Hello world: the whole-process time of the smallest WASI program.

fn main() {
    println!("Hello, world!");
}
