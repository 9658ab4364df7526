//! Copies standard input to standard output in 1 MiB reads, on the raw descriptors (no
//! line buffering of stdout), and prints the byte count to stderr.

use std::fs::File;
use std::io::{BufReader, copy};
use std::mem::ManuallyDrop;
use std::os::fd::FromRawFd;

fn main() {
    // SAFETY: descriptors 0 and 1 are the process's stdin and stdout, open for its whole
    // life; ManuallyDrop leaves them open.
    let (input, output) = unsafe {
        let fd = |n| ManuallyDrop::new(File::from_raw_fd(n));
        (fd(0), fd(1))
    };
    let mut reader = BufReader::with_capacity(1 << 20, &*input);
    let n = copy(&mut reader, &mut &*output).expect("copy");
    eprintln!("copied {n} bytes");
}
