//! The descriptor table of a WASI context: what each guest file descriptor stands for
//! (a standard stream, an open file, an open directory) and the rights it carries.

use super::ctx::{MemoryInputPipe, MemoryOutputPipe};
use super::p1::types::{Errno, errno};
use std::collections::BTreeMap;

/// WASI rights bits (`rights` in the preview-1 witx), and the sets descriptors get.
pub(crate) mod rights {
    pub const FD_DATASYNC: u64 = 1 << 0;
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_SEEK: u64 = 1 << 2;
    pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub const FD_SYNC: u64 = 1 << 4;
    pub const FD_TELL: u64 = 1 << 5;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const FD_ADVISE: u64 = 1 << 7;
    pub const FD_ALLOCATE: u64 = 1 << 8;
    pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    pub const PATH_CREATE_FILE: u64 = 1 << 10;
    pub const PATH_LINK_SOURCE: u64 = 1 << 11;
    pub const PATH_LINK_TARGET: u64 = 1 << 12;
    pub const PATH_OPEN: u64 = 1 << 13;
    pub const FD_READDIR: u64 = 1 << 14;
    pub const PATH_READLINK: u64 = 1 << 15;
    pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
    pub const PATH_RENAME_TARGET: u64 = 1 << 17;
    pub const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    pub const PATH_SYMLINK: u64 = 1 << 24;
    pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    pub const PATH_UNLINK_FILE: u64 = 1 << 26;
    pub const POLL_FD_READWRITE: u64 = 1 << 27;

    /// Standard streams.
    pub const STDIO: u64 =
        FD_READ | FD_WRITE | FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET | POLL_FD_READWRITE;
    /// A file opened for reading.
    pub const FILE_READ: u64 = FD_READ
        | FD_SEEK
        | FD_TELL
        | FD_ADVISE
        | FD_FILESTAT_GET
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_DATASYNC
        | POLL_FD_READWRITE;
    /// A file opened for reading and writing.
    pub const FILE_ALL: u64 =
        FILE_READ | FD_WRITE | FD_ALLOCATE | FD_FILESTAT_SET_SIZE | FD_FILESTAT_SET_TIMES;
    /// A directory that may only be read.
    pub const DIR_READ: u64 = FD_READDIR
        | PATH_OPEN
        | PATH_READLINK
        | PATH_FILESTAT_GET
        | FD_FILESTAT_GET
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_DATASYNC;
    /// A directory that may be changed. (Truncating through a path is done by
    /// `path_open`, so `path_filestat_set_size` is not granted.)
    pub const DIR_ALL: u64 = DIR_READ
        | PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_SET_TIMES
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE;
}

/// A standard input.
pub(crate) enum Input {
    /// The host's standard input.
    Inherit,
    /// An in-memory pipe and how far it has been read.
    Pipe(MemoryInputPipe, usize),
}

impl Input {
    /// Reads what is available into `buf` (0 at end of input); the host's standard input
    /// blocks until it has bytes.
    pub fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::io::Read;
        match self {
            Input::Inherit => std::io::stdin().read(buf),
            Input::Pipe(pipe, pos) => {
                let rest = &pipe.bytes[(*pos).min(pipe.bytes.len())..];
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                *pos += n;
                Ok(n)
            }
        }
    }
}

/// A standard output or error.
pub(crate) enum Output {
    /// The host's standard output.
    Stdout,
    /// The host's standard error.
    Stderr,
    /// An in-memory buffer.
    Pipe(MemoryOutputPipe),
    /// Discarded.
    Sink,
}

impl Output {
    /// Writes all of `bufs`, then flushes.
    pub fn write_all(&mut self, bufs: &[&[u8]]) -> std::io::Result<()> {
        fn all(w: &mut impl std::io::Write, bufs: &[&[u8]]) -> std::io::Result<()> {
            for b in bufs {
                w.write_all(b)?;
            }
            w.flush()
        }
        match self {
            Output::Stdout => all(&mut std::io::stdout().lock(), bufs),
            Output::Stderr => all(&mut std::io::stderr().lock(), bufs),
            Output::Pipe(pipe) => {
                let mut buf = pipe.buf.lock().unwrap_or_else(|e| e.into_inner());
                bufs.iter().for_each(|b| buf.extend_from_slice(b));
                Ok(())
            }
            Output::Sink => Ok(()),
        }
    }
}

/// What a descriptor stands for.
pub(crate) enum Kind {
    Input(Input),
    Output(Output),
    File(cap_std::fs::File),
    Dir(cap_std::fs::Dir),
}

/// A descriptor.
pub(crate) struct Entry {
    pub kind: Kind,
    pub base: u64,
    pub inheriting: u64,
    /// The guest path of a preopened directory.
    pub preopen: Option<String>,
    /// `fdflags` as last set (append, nonblock, sync…).
    pub flags: u16,
}

impl Entry {
    pub fn new(kind: Kind, base: u64, inheriting: u64) -> Entry {
        Entry {
            kind,
            base,
            inheriting,
            preopen: None,
            flags: 0,
        }
    }

    /// Fails unless the descriptor has every right in `want`: `EBADF` when it cannot
    /// be read or written (as POSIX says for a file not opened so), `ENOTCAPABLE` for the
    /// other rights.
    pub fn need(&self, want: u64) -> Result<(), Errno> {
        let missing = want & !self.base;
        if missing == 0 {
            Ok(())
        } else if missing & (rights::FD_READ | rights::FD_WRITE) != 0 {
            Err(errno::BADF)
        } else {
            Err(errno::NOTCAPABLE)
        }
    }
}

/// Descriptor number → descriptor.
#[derive(Default)]
pub(crate) struct Table {
    entries: BTreeMap<u32, Entry>,
}

impl Table {
    /// Adds `entry` at the lowest free number.
    pub fn push(&mut self, entry: Entry) -> u32 {
        let mut fd = 0;
        for &used in self.entries.keys() {
            if used != fd {
                break;
            }
            fd += 1;
        }
        self.entries.insert(fd, entry);
        fd
    }

    pub fn get(&self, fd: u32) -> Result<&Entry, Errno> {
        self.entries.get(&fd).ok_or(errno::BADF)
    }

    pub fn get_mut(&mut self, fd: u32) -> Result<&mut Entry, Errno> {
        self.entries.get_mut(&fd).ok_or(errno::BADF)
    }

    pub fn remove(&mut self, fd: u32) -> Result<Entry, Errno> {
        self.entries.remove(&fd).ok_or(errno::BADF)
    }

    pub fn insert_at(&mut self, fd: u32, entry: Entry) {
        self.entries.insert(fd, entry);
    }

    /// The directory behind `fd` and its entry, if it has the rights `want`.
    pub fn dir(&self, fd: u32, want: u64) -> Result<(&cap_std::fs::Dir, &Entry), Errno> {
        let entry = self.get(fd)?;
        match &entry.kind {
            Kind::Dir(d) => {
                entry.need(want)?;
                Ok((d, entry))
            }
            _ => Err(errno::NOTDIR),
        }
    }

    /// The file behind `fd`, if it has the rights `want`; `EBADF` for anything else.
    pub fn file(&self, fd: u32, want: u64) -> Result<&cap_std::fs::File, Errno> {
        let entry = self.get(fd)?;
        match &entry.kind {
            Kind::File(f) => {
                entry.need(want)?;
                Ok(f)
            }
            Kind::Dir(_) => Err(errno::ISDIR),
            _ => Err(errno::BADF),
        }
    }
}
