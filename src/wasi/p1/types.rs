//! Preview-1 ABI values (errno codes, flags, file types), the bounds-checked view of guest
//! memory every function reads and writes through, and the mapping from host I/O errors
//! to errnos.

use std::io;

/// A WASI errno (`ERRNO_SUCCESS` is 0).
pub(crate) type Errno = u16;

/// The errno codes of preview 1.
#[allow(
    dead_code,
    reason = "the whole errno table of the spec; not every code is returned"
)]
pub(crate) mod errno {
    use super::Errno;
    pub const SUCCESS: Errno = 0;
    pub const TOOBIG: Errno = 1;
    pub const ACCES: Errno = 2;
    pub const AGAIN: Errno = 6;
    pub const BADF: Errno = 8;
    pub const BUSY: Errno = 10;
    pub const EXIST: Errno = 20;
    pub const FAULT: Errno = 21;
    pub const FBIG: Errno = 22;
    pub const ILSEQ: Errno = 25;
    pub const INTR: Errno = 27;
    pub const INVAL: Errno = 28;
    pub const IO: Errno = 29;
    pub const ISDIR: Errno = 31;
    pub const LOOP: Errno = 32;
    pub const MFILE: Errno = 33;
    pub const MLINK: Errno = 34;
    pub const NAMETOOLONG: Errno = 37;
    pub const NFILE: Errno = 41;
    pub const NODEV: Errno = 43;
    pub const NOENT: Errno = 44;
    pub const NOMEM: Errno = 48;
    pub const NOSPC: Errno = 51;
    pub const NOSYS: Errno = 52;
    pub const NOTDIR: Errno = 54;
    pub const NOTEMPTY: Errno = 55;
    pub const NOTSOCK: Errno = 57;
    pub const NOTSUP: Errno = 58;
    pub const NOTTY: Errno = 59;
    pub const NXIO: Errno = 60;
    pub const OVERFLOW: Errno = 61;
    pub const PERM: Errno = 63;
    pub const PIPE: Errno = 64;
    pub const RANGE: Errno = 68;
    pub const ROFS: Errno = 69;
    pub const SPIPE: Errno = 70;
    pub const TXTBSY: Errno = 74;
    pub const XDEV: Errno = 75;
    pub const NOTCAPABLE: Errno = 76;
}

/// `filetype` values.
pub(crate) mod filetype {
    pub const UNKNOWN: u8 = 0;
    pub const BLOCK_DEVICE: u8 = 1;
    pub const CHARACTER_DEVICE: u8 = 2;
    pub const DIRECTORY: u8 = 3;
    pub const REGULAR_FILE: u8 = 4;
    pub const SOCKET_STREAM: u8 = 6;
    pub const SYMBOLIC_LINK: u8 = 7;
}

/// `fdflags` bits.
pub(crate) mod fdflags {
    pub const APPEND: u16 = 1;
    pub const DSYNC: u16 = 2;
    pub const NONBLOCK: u16 = 4;
    pub const RSYNC: u16 = 8;
    pub const SYNC: u16 = 16;
}

/// Why a WASI function did not succeed: the errno the guest gets. (Host I/O errors
/// convert with `?`.)
pub(crate) struct Fail(pub Errno);

impl From<Errno> for Fail {
    fn from(e: Errno) -> Fail {
        Fail(e)
    }
}

impl From<io::Error> for Fail {
    fn from(e: io::Error) -> Fail {
        Fail(io_errno(&e))
    }
}

/// What WASI functions return.
pub(crate) type WasiResult = Result<(), Fail>;

/// The errno for a host I/O error.
pub(crate) fn io_errno(e: &io::Error) -> Errno {
    if let Some(code) = e.raw_os_error() {
        return os_errno(code);
    }
    use io::ErrorKind as K;
    match e.kind() {
        K::NotFound => errno::NOENT,
        // cap-std refuses a path that leads outside its directory this way.
        K::PermissionDenied => errno::PERM,
        K::AlreadyExists => errno::EXIST,
        K::InvalidInput => errno::INVAL,
        K::Unsupported => errno::NOTSUP,
        K::IsADirectory => errno::ISDIR,
        K::NotADirectory => errno::NOTDIR,
        K::DirectoryNotEmpty => errno::NOTEMPTY,
        K::WouldBlock => errno::AGAIN,
        K::Interrupted => errno::INTR,
        K::BrokenPipe => errno::PIPE,
        K::OutOfMemory => errno::NOMEM,
        _ => errno::IO,
    }
}

/// The errno for a host OS error code (Linux and the BSDs share the low numbers).
fn os_errno(code: i32) -> Errno {
    match code {
        1 => errno::PERM,
        2 => errno::NOENT,
        4 => errno::INTR,
        5 => errno::IO,
        6 => errno::NXIO,
        7 => errno::TOOBIG,
        9 => errno::BADF,
        12 => errno::NOMEM,
        13 => errno::ACCES,
        14 => errno::FAULT,
        16 => errno::BUSY,
        17 => errno::EXIST,
        18 => errno::XDEV,
        19 => errno::NODEV,
        20 => errno::NOTDIR,
        21 => errno::ISDIR,
        22 => errno::INVAL,
        23 => errno::NFILE,
        24 => errno::MFILE,
        25 => errno::NOTTY,
        26 => errno::TXTBSY,
        27 => errno::FBIG,
        28 => errno::NOSPC,
        29 => errno::SPIPE,
        30 => errno::ROFS,
        31 => errno::MLINK,
        32 => errno::PIPE,
        34 => errno::RANGE,
        #[cfg(target_os = "linux")]
        11 => errno::AGAIN,
        #[cfg(target_os = "linux")]
        36 => errno::NAMETOOLONG,
        #[cfg(target_os = "linux")]
        38 => errno::NOSYS,
        #[cfg(target_os = "linux")]
        39 => errno::NOTEMPTY,
        #[cfg(target_os = "linux")]
        40 => errno::LOOP,
        #[cfg(target_os = "linux")]
        75 => errno::OVERFLOW,
        #[cfg(target_os = "linux")]
        84 => errno::ILSEQ,
        #[cfg(target_os = "linux")]
        88 => errno::NOTSOCK,
        #[cfg(target_os = "linux")]
        95 => errno::NOTSUP,
        #[cfg(target_os = "macos")]
        35 => errno::AGAIN,
        #[cfg(target_os = "macos")]
        62 => errno::LOOP,
        #[cfg(target_os = "macos")]
        63 => errno::NAMETOOLONG,
        #[cfg(target_os = "macos")]
        66 => errno::NOTEMPTY,
        #[cfg(target_os = "macos")]
        78 => errno::NOSYS,
        _ => errno::IO,
    }
}

/// Guest linear memory, every access bounds-checked: a pointer or length past its end
/// is `EFAULT`.
pub(crate) struct Mem<'a>(pub &'a mut [u8]);

impl Mem<'_> {
    fn range(&self, ptr: u32, len: u32) -> Result<std::ops::Range<usize>, Errno> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(errno::FAULT)?;
        match end <= self.0.len() {
            true => Ok(start..end),
            false => Err(errno::FAULT),
        }
    }

    pub fn bytes(&self, ptr: u32, len: u32) -> Result<&[u8], Errno> {
        let r = self.range(ptr, len)?;
        Ok(&self.0[r])
    }

    pub fn bytes_mut(&mut self, ptr: u32, len: u32) -> Result<&mut [u8], Errno> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.0[r])
    }

    fn array<const N: usize>(&self, ptr: u32) -> Result<[u8; N], Errno> {
        let b = self.bytes(ptr, N as u32)?;
        Ok(b.try_into().expect("length checked"))
    }

    pub fn u8(&self, ptr: u32) -> Result<u8, Errno> {
        Ok(self.array::<1>(ptr)?[0])
    }

    pub fn u16(&self, ptr: u32) -> Result<u16, Errno> {
        Ok(u16::from_le_bytes(self.array(ptr)?))
    }

    pub fn u32(&self, ptr: u32) -> Result<u32, Errno> {
        Ok(u32::from_le_bytes(self.array(ptr)?))
    }

    pub fn u64(&self, ptr: u32) -> Result<u64, Errno> {
        Ok(u64::from_le_bytes(self.array(ptr)?))
    }

    pub fn put(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), Errno> {
        self.bytes_mut(ptr, bytes.len() as u32)?
            .copy_from_slice(bytes);
        Ok(())
    }

    pub fn put_u8(&mut self, ptr: u32, v: u8) -> Result<(), Errno> {
        self.put(ptr, &[v])
    }

    pub fn put_u32(&mut self, ptr: u32, v: u32) -> Result<(), Errno> {
        self.put(ptr, &v.to_le_bytes())
    }

    pub fn put_u64(&mut self, ptr: u32, v: u64) -> Result<(), Errno> {
        self.put(ptr, &v.to_le_bytes())
    }

    /// A UTF-8 string (`EILSEQ` if it is not valid UTF-8).
    pub fn str(&self, ptr: u32, len: u32) -> Result<&str, Errno> {
        std::str::from_utf8(self.bytes(ptr, len)?).map_err(|_| errno::ILSEQ)
    }

    /// An owned path string, so the memory can be used while the path is.
    pub fn path(&self, ptr: u32, len: u32) -> Result<String, Errno> {
        let s = self.str(ptr, len)?;
        if s.contains('\0') {
            return Err(errno::ILSEQ);
        }
        Ok(s.to_string())
    }

    /// A list of `iovec`s (`{buf: u32, len: u32}`), checked against the memory.
    pub fn iovecs(&self, ptr: u32, count: u32) -> Result<Vec<(u32, u32)>, Errno> {
        let table = self.bytes(ptr, count.checked_mul(8).ok_or(errno::FAULT)?)?;
        let mut out = Vec::with_capacity(count as usize);
        for chunk in table.chunks_exact(8) {
            let buf = u32::from_le_bytes(chunk[..4].try_into().expect("4 bytes"));
            let len = u32::from_le_bytes(chunk[4..].try_into().expect("4 bytes"));
            self.range(buf, len)?;
            out.push((buf, len));
        }
        Ok(out)
    }
}

/// A `filestat`, as written to guest memory (64 bytes).
pub(crate) struct Filestat {
    pub dev: u64,
    pub ino: u64,
    pub filetype: u8,
    pub nlink: u64,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

impl Filestat {
    /// The stat of a host file or directory.
    pub fn of(m: &cap_std::fs::Metadata) -> Filestat {
        use cap_fs_ext::MetadataExt;
        let nanos = |t: std::io::Result<cap_std::time::SystemTime>| {
            t.ok()
                .and_then(|t| t.into_std().duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as u64)
        };
        Filestat {
            dev: m.dev(),
            ino: m.ino(),
            filetype: file_type(&m.file_type()),
            nlink: m.nlink(),
            size: m.len(),
            atim: nanos(m.accessed()),
            mtim: nanos(m.modified()),
            ctim: nanos(m.created().or_else(|_| m.modified())),
        }
    }

    pub fn write(&self, mem: &mut Mem<'_>, ptr: u32) -> Result<(), Errno> {
        let mut b = [0u8; 64];
        b[0..8].copy_from_slice(&self.dev.to_le_bytes());
        b[8..16].copy_from_slice(&self.ino.to_le_bytes());
        b[16] = self.filetype;
        b[24..32].copy_from_slice(&self.nlink.to_le_bytes());
        b[32..40].copy_from_slice(&self.size.to_le_bytes());
        b[40..48].copy_from_slice(&self.atim.to_le_bytes());
        b[48..56].copy_from_slice(&self.mtim.to_le_bytes());
        b[56..64].copy_from_slice(&self.ctim.to_le_bytes());
        mem.put(ptr, &b)
    }
}

/// The WASI file type of a host file type.
pub(crate) fn file_type(t: &cap_std::fs::FileType) -> u8 {
    use cap_fs_ext::FileTypeExt;
    if t.is_dir() {
        filetype::DIRECTORY
    } else if t.is_symlink() {
        filetype::SYMBOLIC_LINK
    } else if t.is_file() {
        filetype::REGULAR_FILE
    } else if t.is_block_device() {
        filetype::BLOCK_DEVICE
    } else if t.is_char_device() {
        filetype::CHARACTER_DEVICE
    } else if t.is_socket() {
        filetype::SOCKET_STREAM
    } else {
        filetype::UNKNOWN
    }
}
