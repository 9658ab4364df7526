//! Arguments, environment and exit codes: prints its arguments and the variables it
//! was given, then exits with the code its first argument names (`exit=N`).

fn main() {
    let args: Vec<String> = std::env::args().collect();
    println!("args: {}", args[1..].join(" "));
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    for (k, v) in vars {
        println!("env: {k}={v}");
    }
    eprintln!("to stderr");
    if let Some(code) = args.get(1).and_then(|a| a.strip_prefix("exit=")) {
        std::process::exit(code.parse().expect("exit=N"));
    }
}
