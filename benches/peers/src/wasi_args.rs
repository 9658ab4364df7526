//! The command line shared by the WASI runners (`wasmtime-wasi-run`,
//! `wasmi-wasi-run`): the part of `wasmtime run` that `wasi-peers` uses,
//! `[--dir HOST[::GUEST]]... FILE [ARGS...]`.

use std::path::PathBuf;

/// What to run and with which preopens.
pub struct RunArgs {
    /// Preopened directories: host path and the name the guest sees.
    pub dirs: Vec<(PathBuf, String)>,
    /// The module or component.
    pub file: PathBuf,
    /// The guest's arguments, the file's base name first (as `wasmtime run` does).
    pub argv: Vec<String>,
}

/// Reads this process's arguments; `Err` holds the usage message.
pub fn parse() -> Result<RunArgs, String> {
    let usage = "usage: [--dir HOST[::GUEST]]... FILE [ARGS...]".to_string();
    let mut args = std::env::args().skip(1);
    let mut dirs = Vec::new();
    let file = loop {
        match args.next() {
            Some(flag) if flag == "--dir" => {
                let spec = args.next().ok_or_else(|| usage.clone())?;
                let (host, guest) = spec.split_once("::").unwrap_or((&spec, &spec));
                dirs.push((PathBuf::from(host), guest.to_string()));
            }
            Some(flag) if flag.starts_with("--") => {
                return Err(format!("unknown flag {flag}; {usage}"));
            }
            Some(file) => break PathBuf::from(file),
            None => return Err(usage),
        }
    };
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let argv = std::iter::once(name.unwrap_or_default())
        .chain(args)
        .collect();
    Ok(RunArgs { dirs, file, argv })
}

/// Whether `bytes` is a component rather than a core module (the binary header's
/// layer field, as wasmparser tells them apart).
pub fn is_component(bytes: &[u8]) -> bool {
    bytes.get(6..8) == Some(&[1, 0])
}
