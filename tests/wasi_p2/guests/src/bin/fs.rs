//! Files through preopens: the runner preopens a fresh directory as `/work` (read-write)
//! and another as `/ro` (read-only, holding `data.txt`), and puts in `/work` a symbolic
//! link `escape` pointing outside it. Prints `ok NAME` per check; panics on a failure.

use std::fs;
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};

/// WASI's `EPERM` (what `not-permitted` becomes in wasi-libc).
const EPERM: i32 = 63;
/// WASI's `ENOTEMPTY` (std has no `ErrorKind` for it on this target).
const ENOTEMPTY: i32 = 55;

fn check(name: &str, f: impl FnOnce()) {
    f();
    println!("ok {name}");
}

fn main() {
    check("write-read", || {
        fs::write("/work/a.txt", b"hello").unwrap();
        assert_eq!(fs::read("/work/a.txt").unwrap(), b"hello");
        let mut f = fs::OpenOptions::new().append(true).open("/work/a.txt").unwrap();
        f.write_all(b", world").unwrap();
        assert_eq!(fs::read_to_string("/work/a.txt").unwrap(), "hello, world");
        let mut f = fs::File::open("/work/a.txt").unwrap();
        f.seek(SeekFrom::Start(7)).unwrap();
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        assert_eq!(s, "world");
    });
    check("metadata", || {
        let m = fs::metadata("/work/a.txt").unwrap();
        assert!(m.is_file());
        assert_eq!(m.len(), 12);
        assert!(m.modified().unwrap() > std::time::UNIX_EPOCH);
        assert!(fs::metadata("/work").unwrap().is_dir());
        assert_eq!(fs::metadata("/work/none").unwrap_err().kind(), ErrorKind::NotFound);
    });
    check("directories", || {
        fs::create_dir("/work/sub").unwrap();
        fs::write("/work/sub/b.txt", b"b").unwrap();
        let mut names: Vec<String> = fs::read_dir("/work")
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["a.txt", "escape", "sub"]);
        let e = fs::read_dir("/work/sub").unwrap().next().unwrap().unwrap();
        assert!(e.file_type().unwrap().is_file());
    });
    check("rename-unlink", || {
        let e = fs::remove_dir("/work/sub").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(ENOTEMPTY), "{e}");
        fs::rename("/work/sub/b.txt", "/work/c.txt").unwrap();
        assert!(!fs::exists("/work/sub/b.txt").unwrap());
        assert_eq!(fs::read("/work/c.txt").unwrap(), b"b");
        fs::remove_file("/work/c.txt").unwrap();
        assert!(!fs::exists("/work/c.txt").unwrap());
        fs::remove_dir("/work/sub").unwrap();
    });
    check("read-only-preopen", || {
        assert_eq!(fs::read_to_string("/ro/data.txt").unwrap(), "read only\n");
        let e = fs::write("/ro/new.txt", b"x").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(EPERM), "{e}");
        let e = fs::remove_file("/ro/data.txt").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(EPERM), "{e}");
        let e = fs::OpenOptions::new().write(true).open("/ro/data.txt").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(EPERM), "{e}");
    });
    check("dotdot-refused", || {
        let e = fs::read("/work/../secret.txt").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(EPERM), "{e}");
        fs::create_dir("/work/d").unwrap();
        let e = fs::read("/work/d/../../secret.txt").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(EPERM), "{e}");
    });
    check("symlink-out-refused", || {
        let e = fs::read("/work/escape").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(EPERM), "{e}");
        // The link itself can be inspected; it is only not followed out.
        assert!(fs::symlink_metadata("/work/escape").unwrap().is_symlink());
    });
}
