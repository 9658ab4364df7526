//! `wasi:filesystem` (`types`, `preopens`): descriptors for the context's preopened
//! directories and what is opened under them. Every path goes through cap-std inside
//! its directory, as in preview 1 (and through the same helpers: opening, stat, the
//! host-error classification), so `..`, absolute paths and symbolic links cannot
//! leave a preopen: they fail with `not-permitted`.

use super::io::{InputStream, OutputStream};
use super::{Fail, GetCtx, case, code_func, datetime, has_flag, iface, push, record, resource};
use crate::component::{ComponentNamedList, Lift, Linker, LinkerInstance, Lower, Resource, Val};
use crate::wasi::WasiCtx;
use crate::wasi::p1::types::{Errno, Filestat, errno, filetype, io_errno};
use crate::wasi::table::{Kind, rights};
use cap_fs_ext::DirExt;
use cap_std::fs::{Dir, File};
use std::sync::Arc;
use std::time::Duration;
use system_interface::fs::{Advice, FileIoExt};

/// `wasi:filesystem/types.descriptor`.
pub(crate) enum Descriptor {
    File {
        file: Arc<File>,
        read: bool,
        write: bool,
    },
    Dir {
        dir: Arc<Dir>,
        /// Entries may be created, changed and removed.
        mutate: bool,
    },
}

/// `wasi:filesystem/types.directory-entry-stream`: the entries, read when it was made.
pub(crate) struct DirEntries(std::vec::IntoIter<Val>);

/// How a filesystem function fails: an `error-code` for the guest, or a trap.
pub(crate) enum FsError {
    Code(Errno),
    Trap(anyhow::Error),
}

impl From<std::io::Error> for FsError {
    fn from(e: std::io::Error) -> FsError {
        FsError::Code(io_errno(&e))
    }
}

impl From<anyhow::Error> for FsError {
    fn from(e: anyhow::Error) -> FsError {
        FsError::Trap(e)
    }
}

impl From<Errno> for FsError {
    fn from(e: Errno) -> FsError {
        FsError::Code(e)
    }
}

type FsResult<X> = Result<X, FsError>;

/// The preview-2 `error-code` of an errno.
pub(crate) fn error_code(e: Errno) -> &'static str {
    match e {
        errno::ACCES => "access",
        errno::AGAIN => "would-block",
        errno::BADF => "bad-descriptor",
        errno::BUSY => "busy",
        errno::EXIST => "exist",
        errno::FBIG => "file-too-large",
        errno::ILSEQ => "illegal-byte-sequence",
        errno::INTR => "interrupted",
        errno::INVAL | errno::RANGE | errno::FAULT | errno::TOOBIG => "invalid",
        errno::ISDIR => "is-directory",
        errno::LOOP => "loop",
        errno::MLINK => "too-many-links",
        errno::NAMETOOLONG => "name-too-long",
        errno::NODEV => "no-device",
        errno::NOENT => "no-entry",
        errno::NOMEM | errno::MFILE | errno::NFILE => "insufficient-memory",
        errno::NOSPC => "insufficient-space",
        errno::NOTDIR => "not-directory",
        errno::NOTEMPTY => "not-empty",
        errno::NOTSUP | errno::NOSYS | errno::NOTSOCK => "unsupported",
        errno::NOTTY => "no-tty",
        errno::NXIO => "no-such-device",
        errno::OVERFLOW => "overflow",
        errno::PERM | errno::NOTCAPABLE => "not-permitted",
        errno::PIPE => "pipe",
        errno::ROFS => "read-only",
        errno::SPIPE => "invalid-seek",
        errno::TXTBSY => "text-file-busy",
        errno::XDEV => "cross-device",
        _ => "io",
    }
}

impl From<FsError> for Fail {
    fn from(e: FsError) -> Fail {
        match e {
            FsError::Code(e) => Fail::Code(error_code(e)),
            FsError::Trap(e) => Fail::Trap(e),
        }
    }
}

/// Defines a function whose result is `result<X, error-code>` (the code from an errno).
fn fs_func<T: 'static, P, X>(
    inst: &mut LinkerInstance<'_, T>,
    name: &str,
    get: impl GetCtx<T>,
    f: impl Fn(&mut WasiCtx, P) -> FsResult<X> + Send + Sync + 'static,
) -> anyhow::Result<()>
where
    P: ComponentNamedList + Lift + 'static,
    X: Lower + 'static,
{
    code_func(inst, name, get, move |ctx, params| {
        f(ctx, params).map_err(Fail::from)
    })
}

type Desc = Resource<Descriptor>;

/// The directory behind `d`; with `mutate`, only if it may be changed.
fn dir(ctx: &WasiCtx, d: &Desc, mutate: bool) -> FsResult<Arc<Dir>> {
    match ctx.resources.get(d)? {
        Descriptor::Dir { dir, mutate: m } => match !mutate || *m {
            true => Ok(dir.clone()),
            false => Err(errno::PERM.into()),
        },
        Descriptor::File { .. } => Err(errno::NOTDIR.into()),
    }
}

/// The file behind `d`; with `write`, only if it was opened for writing.
fn file(ctx: &WasiCtx, d: &Desc, write: bool) -> FsResult<Arc<File>> {
    match ctx.resources.get(d)? {
        Descriptor::File { file, write: w, .. } => match !write || *w {
            true => Ok(file.clone()),
            false => Err(errno::BADF.into()),
        },
        Descriptor::Dir { .. } => Err(errno::ISDIR.into()),
    }
}

/// The metadata of the file or directory behind `d`.
fn metadata(ctx: &WasiCtx, d: &Desc) -> FsResult<cap_std::fs::Metadata> {
    Ok(match ctx.resources.get(d)? {
        Descriptor::File { file, .. } => file.metadata()?,
        Descriptor::Dir { dir, .. } => dir.dir_metadata()?,
    })
}

/// The metadata of `path` in `d` (following a final symbolic link if `flags` says so).
fn metadata_at(
    ctx: &WasiCtx,
    d: &Desc,
    flags: &Val,
    path: &str,
) -> FsResult<cap_std::fs::Metadata> {
    let dir = dir(ctx, d, false)?;
    Ok(match has_flag(flags, "symlink-follow") {
        true => dir.metadata(path)?,
        false => dir.symlink_metadata(path)?,
    })
}

/// `descriptor-type` of a preview-1 file type.
fn descriptor_type(t: u8) -> Val {
    case(match t {
        filetype::BLOCK_DEVICE => "block-device",
        filetype::CHARACTER_DEVICE => "character-device",
        filetype::DIRECTORY => "directory",
        filetype::REGULAR_FILE => "regular-file",
        filetype::SYMBOLIC_LINK => "symbolic-link",
        filetype::SOCKET_STREAM => "socket",
        _ => "unknown",
    })
}

/// `descriptor-stat` of host metadata.
fn stat(m: &cap_std::fs::Metadata) -> Val {
    let s = Filestat::of(m);
    let time = |n: u64| Val::Option((n != 0).then(|| Box::new(datetime(Duration::from_nanos(n)))));
    record([
        ("type", descriptor_type(s.filetype)),
        ("link-count", Val::U64(s.nlink)),
        ("size", Val::U64(s.size)),
        ("data-access-timestamp", time(s.atim)),
        ("data-modification-timestamp", time(s.mtim)),
        ("status-change-timestamp", time(s.ctim)),
    ])
}

/// `metadata-hash-value` of host metadata: a hash of its device and inode.
fn metadata_hash(m: &cap_std::fs::Metadata) -> Val {
    use std::hash::{Hash, Hasher};
    let s = Filestat::of(m);
    let mut lower = std::collections::hash_map::DefaultHasher::new();
    (s.dev, s.ino).hash(&mut lower);
    let mut upper = std::collections::hash_map::DefaultHasher::new();
    (s.ino, s.dev, 1u8).hash(&mut upper);
    record([
        ("lower", Val::U64(lower.finish())),
        ("upper", Val::U64(upper.finish())),
    ])
}

/// A `new-timestamp`: `None` for `no-change`.
fn new_timestamp(v: &Val) -> FsResult<Option<fs_set_times::SystemTimeSpec>> {
    use fs_set_times::SystemTimeSpec as S;
    let Val::Variant(name, payload) = v else {
        return Err(errno::INVAL.into());
    };
    Ok(match (name.as_str(), payload.as_deref()) {
        ("no-change", _) => None,
        ("now", _) => Some(S::SymbolicNow),
        ("timestamp", Some(Val::Record(fields))) => {
            let field = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v);
            let (Some(Val::U64(s)), Some(Val::U32(ns))) = (field("seconds"), field("nanoseconds"))
            else {
                return Err(errno::INVAL.into());
            };
            if *ns >= 1_000_000_000 {
                return Err(errno::INVAL.into());
            }
            let d = Duration::new(*s, *ns);
            Some(S::Absolute(
                std::time::UNIX_EPOCH.checked_add(d).ok_or(errno::INVAL)?,
            ))
        }
        _ => return Err(errno::INVAL.into()),
    })
}

/// `open-at`: opens `path` in `d` as `open` (preview 1's `oflags` bits) with the
/// access `flags` asks for.
fn open_at(
    ctx: &mut WasiCtx,
    d: &Desc,
    follow: bool,
    path: &str,
    open: &Val,
    flags: &Val,
) -> FsResult<Desc> {
    let mut oflags = 0;
    for (bit, name) in ["create", "directory", "exclusive", "truncate"]
        .iter()
        .enumerate()
    {
        if has_flag(open, name) {
            oflags |= 1 << bit;
        }
    }
    let read = has_flag(flags, "read");
    let write = has_flag(flags, "write");
    let mutate_asked = has_flag(flags, "mutate-directory");
    // Synchronous-write modes are not offered (as in preview 1).
    let sync = [
        "file-integrity-sync",
        "data-integrity-sync",
        "requested-write-sync",
    ];
    if sync.iter().any(|f| has_flag(flags, f)) {
        return Err(errno::NOTSUP.into());
    }
    // Creating, truncating or writing changes the directory's contents.
    let changes = write || oflags & (1 | 8) != 0;
    let (base, mutate) = match ctx.resources.get(d)? {
        Descriptor::Dir { dir, mutate } => (dir.clone(), *mutate),
        Descriptor::File { .. } => return Err(errno::NOTDIR.into()),
    };
    if (changes || mutate_asked) && !mutate {
        return Err(errno::PERM.into());
    }
    let kind = crate::wasi::p1::path::open(&base, path, read, write, oflags, false, follow)?;
    let desc = match kind {
        Kind::Dir(dir) => Descriptor::Dir {
            dir: Arc::new(dir),
            mutate,
        },
        Kind::File(file) => Descriptor::File {
            file: Arc::new(file),
            read: read || !write,
            write,
        },
        _ => return Err(errno::INVAL.into()),
    };
    Ok(push(ctx, desc)?)
}

/// `read-directory`: the entries of `d`, without `.` and `..`.
fn read_directory(ctx: &mut WasiCtx, d: &Desc) -> FsResult<Resource<DirEntries>> {
    let dir = dir(ctx, d, false)?;
    let mut entries = Vec::new();
    for e in dir.entries()? {
        let e = e?;
        let name = e.file_name().into_string().map_err(|_| errno::ILSEQ)?;
        let t = e
            .file_type()
            .map_or(filetype::UNKNOWN, |t| crate::wasi::p1::types::file_type(&t));
        entries.push(record([
            ("type", descriptor_type(t)),
            ("name", Val::String(name)),
        ]));
    }
    Ok(push(ctx, DirEntries(entries.into_iter()))?)
}

/// The descriptors of the context's preopened directories, with their guest paths.
fn preopens(ctx: &mut WasiCtx) -> anyhow::Result<Vec<(Desc, String)>> {
    let mut dirs = Vec::new();
    for fd in 3.. {
        let Ok(entry) = ctx.table.get(fd) else { break };
        if let (Kind::Dir(dir), Some(name)) = (&entry.kind, &entry.preopen) {
            let mutate = entry.base & rights::PATH_CREATE_FILE != 0;
            dirs.push((dir.try_clone()?, name.clone(), mutate));
        }
    }
    dirs.into_iter()
        .map(|(dir, name, mutate)| {
            Ok((
                push(
                    ctx,
                    Descriptor::Dir {
                        dir: Arc::new(dir),
                        mutate,
                    },
                )?,
                name,
            ))
        })
        .collect()
}

pub(super) fn add<T: 'static>(linker: &mut Linker<T>, get: impl GetCtx<T>) -> anyhow::Result<()> {
    let mut i = iface(linker, "filesystem/preopens")?;
    resource::<T, Descriptor>(&mut i, "descriptor", get)?;
    super::func(&mut i, "get-directories", get, |ctx, ()| {
        Ok((preopens(ctx)?,))
    })?;

    let mut i = iface(linker, "filesystem/types")?;
    resource::<T, Descriptor>(&mut i, "descriptor", get)?;
    resource::<T, DirEntries>(&mut i, "directory-entry-stream", get)?;
    resource::<T, InputStream>(&mut i, "input-stream", get)?;
    resource::<T, OutputStream>(&mut i, "output-stream", get)?;
    resource::<T, super::io::IoError>(&mut i, "error", get)?;
    add_streams(&mut i, get)?;
    add_file_methods(&mut i, get)?;
    add_path_methods(&mut i, get)?;
    super::func(
        &mut i,
        "filesystem-error-code",
        get,
        |ctx, (e,): (Resource<super::io::IoError>,)| {
            let e = &ctx.resources.get(&e)?.0;
            Ok((Some(case(error_code(io_errno(e)))),))
        },
    )?;
    fs_func(
        &mut i,
        "[method]directory-entry-stream.read-directory-entry",
        get,
        |ctx, (s,): (Resource<DirEntries>,)| Ok(ctx.resources.get_mut(&s)?.0.next()),
    )?;
    Ok(())
}

/// The methods that make streams of a file.
fn add_streams<T: 'static>(
    i: &mut LinkerInstance<'_, T>,
    get: impl GetCtx<T>,
) -> anyhow::Result<()> {
    fs_func(
        i,
        "[method]descriptor.read-via-stream",
        get,
        |ctx, (d, pos): (Desc, u64)| {
            let file = file(ctx, &d, false)?;
            Ok(push(ctx, InputStream::File { file, pos })?)
        },
    )?;
    fs_func(
        i,
        "[method]descriptor.write-via-stream",
        get,
        |ctx, (d, pos): (Desc, u64)| {
            let file = file(ctx, &d, true)?;
            Ok(push(
                ctx,
                OutputStream::File {
                    file,
                    pos: Some(pos),
                },
            )?)
        },
    )?;
    fs_func(
        i,
        "[method]descriptor.append-via-stream",
        get,
        |ctx, (d,): (Desc,)| {
            let file = file(ctx, &d, true)?;
            Ok(push(ctx, OutputStream::File { file, pos: None })?)
        },
    )?;
    Ok(())
}

/// The methods on the descriptor itself.
fn add_file_methods<T: 'static>(
    i: &mut LinkerInstance<'_, T>,
    get: impl GetCtx<T>,
) -> anyhow::Result<()> {
    fs_func(
        i,
        "[method]descriptor.advise",
        get,
        |ctx, (d, off, len, advice): (Desc, u64, u64, Val)| {
            let advice = match &advice {
                Val::Enum(a) if a == "sequential" => Advice::Sequential,
                Val::Enum(a) if a == "random" => Advice::Random,
                Val::Enum(a) if a == "will-need" => Advice::WillNeed,
                Val::Enum(a) if a == "dont-need" => Advice::DontNeed,
                Val::Enum(a) if a == "no-reuse" => Advice::NoReuse,
                _ => Advice::Normal,
            };
            Ok(file(ctx, &d, false)?.advise(off, len, advice)?)
        },
    )?;
    for (name, data) in [
        ("[method]descriptor.sync-data", true),
        ("[method]descriptor.sync", false),
    ] {
        fs_func(i, name, get, move |ctx, (d,): (Desc,)| {
            if let Descriptor::File { file, .. } = ctx.resources.get(&d)? {
                match data {
                    true => file.sync_data()?,
                    false => file.sync_all()?,
                }
            }
            Ok(())
        })?;
    }
    fs_func(
        i,
        "[method]descriptor.get-flags",
        get,
        |ctx, (d,): (Desc,)| {
            let names: &[&str] = match ctx.resources.get(&d)? {
                Descriptor::File {
                    read: true,
                    write: true,
                    ..
                } => &["read", "write"],
                Descriptor::File { write: true, .. } => &["write"],
                Descriptor::File { .. } => &["read"],
                Descriptor::Dir { mutate: true, .. } => &["read", "mutate-directory"],
                Descriptor::Dir { .. } => &["read"],
            };
            Ok(Val::Flags(names.iter().map(|n| n.to_string()).collect()))
        },
    )?;
    fs_func(
        i,
        "[method]descriptor.get-type",
        get,
        |ctx, (d,): (Desc,)| Ok(descriptor_type(Filestat::of(&metadata(ctx, &d)?).filetype)),
    )?;
    fs_func(
        i,
        "[method]descriptor.set-size",
        get,
        |ctx, (d, size): (Desc, u64)| Ok(file(ctx, &d, true)?.set_len(size)?),
    )?;
    fs_func(
        i,
        "[method]descriptor.set-times",
        get,
        |ctx, (d, a, m): (Desc, Val, Val)| {
            use fs_set_times::SetTimes;
            let (a, m) = (new_timestamp(&a)?, new_timestamp(&m)?);
            match ctx.resources.get(&d)? {
                Descriptor::File { file, .. } => file.set_times(a, m)?,
                Descriptor::Dir { dir, .. } => dir.set_times(a, m)?,
            }
            Ok(())
        },
    )?;
    fs_func(
        i,
        "[method]descriptor.read",
        get,
        |ctx, (d, len, off): (Desc, u64, u64)| {
            let file = file(ctx, &d, false)?;
            let mut buf = vec![0; len.min(1 << 20) as usize];
            let n = file.read_at(&mut buf, off)?;
            buf.truncate(n);
            Ok((buf, n == 0 && len > 0))
        },
    )?;
    fs_func(
        i,
        "[method]descriptor.write",
        get,
        |ctx, (d, buf, off): (Desc, Vec<u8>, u64)| {
            off.checked_add(buf.len() as u64).ok_or(errno::FBIG)?;
            file(ctx, &d, true)?.write_all_at(&buf, off)?;
            Ok(buf.len() as u64)
        },
    )?;
    fs_func(
        i,
        "[method]descriptor.read-directory",
        get,
        |ctx, (d,): (Desc,)| read_directory(ctx, &d),
    )?;
    fs_func(i, "[method]descriptor.stat", get, |ctx, (d,): (Desc,)| {
        Ok(stat(&metadata(ctx, &d)?))
    })?;
    fs_func(
        i,
        "[method]descriptor.is-same-object",
        get,
        |ctx, (a, b): (Desc, Desc)| {
            let (a, b) = (
                Filestat::of(&metadata(ctx, &a)?),
                Filestat::of(&metadata(ctx, &b)?),
            );
            Ok((a.dev, a.ino) == (b.dev, b.ino))
        },
    )?;
    fs_func(
        i,
        "[method]descriptor.metadata-hash",
        get,
        |ctx, (d,): (Desc,)| Ok(metadata_hash(&metadata(ctx, &d)?)),
    )?;
    Ok(())
}

/// The methods on paths inside a directory descriptor.
fn add_path_methods<T: 'static>(
    i: &mut LinkerInstance<'_, T>,
    get: impl GetCtx<T>,
) -> anyhow::Result<()> {
    fs_func(
        i,
        "[method]descriptor.create-directory-at",
        get,
        |ctx, (d, p): (Desc, String)| Ok(dir(ctx, &d, true)?.create_dir(p)?),
    )?;
    fs_func(
        i,
        "[method]descriptor.stat-at",
        get,
        |ctx, (d, f, p): (Desc, Val, String)| Ok(stat(&metadata_at(ctx, &d, &f, &p)?)),
    )?;
    fs_func(
        i,
        "[method]descriptor.metadata-hash-at",
        get,
        |ctx, (d, f, p): (Desc, Val, String)| Ok(metadata_hash(&metadata_at(ctx, &d, &f, &p)?)),
    )?;
    fs_func(
        i,
        "[method]descriptor.set-times-at",
        get,
        |ctx, (d, f, p, a, m): (Desc, Val, String, Val, Val)| {
            let (a, m) = (new_timestamp(&a)?, new_timestamp(&m)?);
            let (a, m) = (
                a.map(cap_fs_ext::SystemTimeSpec::from_std),
                m.map(cap_fs_ext::SystemTimeSpec::from_std),
            );
            let dir = dir(ctx, &d, true)?;
            match has_flag(&f, "symlink-follow") {
                true => dir.set_times(&p, a, m)?,
                false => dir.set_symlink_times(&p, a, m)?,
            }
            Ok(())
        },
    )?;
    fs_func(
        i,
        "[method]descriptor.link-at",
        get,
        |ctx, (d, f, old, to, new): (Desc, Val, String, Desc, String)| {
            if has_flag(&f, "symlink-follow") {
                return Err(errno::INVAL.into());
            }
            let (from, to) = (dir(ctx, &d, true)?, dir(ctx, &to, true)?);
            Ok(from.hard_link(old, &to, new)?)
        },
    )?;
    fs_func(
        i,
        "[method]descriptor.open-at",
        get,
        |ctx, (d, f, p, o, fl): (Desc, Val, String, Val, Val)| {
            open_at(ctx, &d, has_flag(&f, "symlink-follow"), &p, &o, &fl)
        },
    )?;
    fs_func(
        i,
        "[method]descriptor.readlink-at",
        get,
        |ctx, (d, p): (Desc, String)| {
            let target = dir(ctx, &d, false)?.read_link_contents(p)?;
            Ok(target
                .into_os_string()
                .into_string()
                .map_err(|_| errno::ILSEQ)?)
        },
    )?;
    fs_func(
        i,
        "[method]descriptor.remove-directory-at",
        get,
        |ctx, (d, p): (Desc, String)| Ok(dir(ctx, &d, true)?.remove_dir(p)?),
    )?;
    fs_func(
        i,
        "[method]descriptor.rename-at",
        get,
        |ctx, (d, old, to, new): (Desc, String, Desc, String)| {
            let (from, to) = (dir(ctx, &d, true)?, dir(ctx, &to, true)?);
            Ok(from.rename(old, &to, new)?)
        },
    )?;
    fs_func(
        i,
        "[method]descriptor.symlink-at",
        get,
        |ctx, (d, old, new): (Desc, String, String)| {
            Ok(DirExt::symlink(&*dir(ctx, &d, true)?, old, new)?)
        },
    )?;
    fs_func(
        i,
        "[method]descriptor.unlink-file-at",
        get,
        |ctx, (d, p): (Desc, String)| Ok(dir(ctx, &d, true)?.remove_file(p)?),
    )?;
    Ok(())
}
