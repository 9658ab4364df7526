//! Preview-1 functions on paths (`path_*`). Every path is resolved by cap-std inside the
//! directory of a descriptor, so `..`, absolute paths and symbolic links can never lead
//! outside a preopen: cap-std refuses them (`EPERM`) instead of following them out.

use super::Cx;
use super::fd::times;
use super::types::{Errno, Filestat, WasiResult, errno, fdflags};
use crate::wasi::table::{Entry, Kind, rights};
use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt};
use cap_std::fs::Dir;

/// `lookupflags`: follow a symbolic link at the end of the path.
const SYMLINK_FOLLOW: u32 = 1;

/// The arguments of `path_open` (its requested inheriting rights are not kept: a new
/// descriptor inherits what its directory passes on).
pub(super) struct PathOpen {
    pub fd: u32,
    pub dirflags: u32,
    pub path: (u32, u32),
    pub oflags: u32,
    pub base: u64,
    pub fdflags: u32,
}

/// `oflags` bits (preview 2's `open-flags` has the same ones in the same order).
const CREAT: u32 = 1;
const DIRECTORY: u32 = 2;
const EXCL: u32 = 4;
const TRUNC: u32 = 8;

pub(super) fn path_open(cx: &mut Cx<'_>, p: &PathOpen, out: u32) -> WasiResult {
    let path = cx.mem.path(p.path.0, p.path.1)?;
    if p.oflags & !0xf != 0 || p.fdflags & !0x1f != 0 {
        return Err(errno::INVAL.into());
    }
    let (dir, parent) = cx.ctx.table.dir(p.fd, rights::PATH_OPEN)?;
    let creat = p.oflags & CREAT != 0;
    if creat {
        parent.need(rights::PATH_CREATE_FILE)?;
    }
    let append = p.fdflags & u32::from(fdflags::APPEND) != 0;
    let read = p.base & (rights::FD_READ | rights::FD_READDIR) != 0;
    let write = append
        || p.base & (rights::FD_WRITE | rights::FD_ALLOCATE | rights::FD_FILESTAT_SET_SIZE) != 0;
    let trunc = p.oflags & TRUNC != 0;
    if (write || trunc || creat) && parent.inheriting & rights::FD_WRITE == 0 {
        return Err(errno::NOTCAPABLE.into());
    }
    let follow = p.dirflags & SYMLINK_FOLLOW != 0;
    let kind = open(dir, &path, read, write, p.oflags, append, follow)?;
    let inheriting = parent.inheriting;
    let mut entry = match &kind {
        Kind::Dir(_) => Entry::new(kind, inheriting & rights::DIR_ALL, inheriting),
        _ => {
            // The rights follow the access asked for (read when nothing is asked).
            let mut base = rights::FILE_ALL & !rights::FD_WRITE & !rights::FD_READ;
            if !write {
                base &= !(rights::FD_ALLOCATE | rights::FD_FILESTAT_SET_SIZE);
                base &= !rights::FD_FILESTAT_SET_TIMES;
            }
            if read || !write {
                base |= rights::FD_READ;
            }
            if write {
                base |= rights::FD_WRITE;
            }
            Entry::new(kind, base & inheriting, inheriting)
        }
    };
    entry.flags = p.fdflags as u16;
    let fd = cx.ctx.table.push(entry);
    cx.mem.put_u32(out, fd)?;
    Ok(())
}

/// Opens `path` in `dir` (a directory with `O_DIRECTORY`, else a file or possibly a
/// directory): `path_open`, and preview 2's `open-at`.
pub(crate) fn open(
    dir: &Dir,
    path: &str,
    read: bool,
    write: bool,
    oflags: u32,
    append: bool,
    follow: bool,
) -> Result<Kind, Errno> {
    let io = |e: std::io::Error| super::types::io_errno(&e);
    if oflags & DIRECTORY != 0 {
        if oflags & (CREAT | TRUNC | EXCL) != 0 {
            return Err(errno::INVAL);
        }
        if write {
            return Err(errno::ISDIR);
        }
        return Ok(Kind::Dir(match follow {
            true => dir.open_dir(path).map_err(io)?,
            false => dir.open_dir_nofollow(path).map_err(io)?,
        }));
    }
    // Without `O_DIRECTORY`, a file or possibly a directory.
    let mut opts = cap_std::fs::OpenOptions::new();
    let creat = oflags & CREAT != 0;
    let trunc = oflags & TRUNC != 0;
    // The host needs write access to create or truncate.
    let write = write || creat || trunc;
    opts.read(read || !write).write(write).append(append);
    if creat && oflags & EXCL != 0 {
        opts.create_new(true);
    } else if creat {
        opts.create(true);
    }
    opts.truncate(trunc);
    opts.follow(match follow {
        true => FollowSymlinks::Yes,
        false => FollowSymlinks::No,
    });
    opts.maybe_dir(true);
    let file = dir.open_with(path, &opts).map_err(io)?;
    if file.metadata().map_err(io)?.is_dir() {
        if write {
            return Err(errno::ISDIR);
        }
        return Ok(Kind::Dir(Dir::from_std_file(file.into_std())));
    }
    if path.ends_with('/') {
        return Err(errno::NOTDIR);
    }
    Ok(Kind::File(file))
}

/// The directory of `fd` (with rights `want`) and the path at `ptr`/`len`.
fn dir_path<'c>(
    cx: &'c Cx<'_>,
    fd: u32,
    want: u64,
    ptr: u32,
    len: u32,
) -> Result<(&'c Dir, String), Errno> {
    let path = cx.mem.path(ptr, len)?;
    let (dir, _) = cx.ctx.table.dir(fd, want)?;
    Ok((dir, path))
}

pub(super) fn path_create_directory(cx: &mut Cx<'_>, fd: u32, ptr: u32, len: u32) -> WasiResult {
    let (dir, path) = dir_path(cx, fd, rights::PATH_CREATE_DIRECTORY, ptr, len)?;
    dir.create_dir(path)?;
    Ok(())
}

pub(super) fn path_filestat_get(
    cx: &mut Cx<'_>,
    fd: u32,
    flags: u32,
    ptr: u32,
    len: u32,
    out: u32,
) -> WasiResult {
    let (dir, path) = dir_path(cx, fd, rights::PATH_FILESTAT_GET, ptr, len)?;
    let meta = match flags & SYMLINK_FOLLOW != 0 {
        true => dir.metadata(&path)?,
        false => dir.symlink_metadata(&path)?,
    };
    Filestat::of(&meta).write(&mut cx.mem, out)?;
    Ok(())
}

#[allow(
    clippy::too_many_arguments,
    reason = "one parameter per argument of the WASI function"
)]
pub(super) fn path_filestat_set_times(
    cx: &mut Cx<'_>,
    fd: u32,
    flags: u32,
    ptr: u32,
    len: u32,
    atim: u64,
    mtim: u64,
    fst: u32,
) -> WasiResult {
    let (a, m) = times(atim, mtim, fst)?;
    let (a, m) = (
        a.map(cap_fs_ext::SystemTimeSpec::from_std),
        m.map(cap_fs_ext::SystemTimeSpec::from_std),
    );
    let (dir, path) = dir_path(cx, fd, rights::PATH_FILESTAT_SET_TIMES, ptr, len)?;
    match flags & SYMLINK_FOLLOW != 0 {
        true => dir.set_times(&path, a, m)?,
        false => dir.set_symlink_times(&path, a, m)?,
    }
    Ok(())
}

#[allow(
    clippy::too_many_arguments,
    reason = "one parameter per argument of the WASI function"
)]
pub(super) fn path_link(
    cx: &mut Cx<'_>,
    fd: u32,
    flags: u32,
    ptr: u32,
    len: u32,
    to_fd: u32,
    to_ptr: u32,
    to_len: u32,
) -> WasiResult {
    // Following a symbolic link at the source is not offered (as in other engines).
    if flags & SYMLINK_FOLLOW != 0 {
        return Err(errno::INVAL.into());
    }
    let (from, old) = dir_path(cx, fd, rights::PATH_LINK_SOURCE, ptr, len)?;
    let (to, new) = dir_path(cx, to_fd, rights::PATH_LINK_TARGET, to_ptr, to_len)?;
    if new.ends_with('/') || old.ends_with('/') {
        return Err(errno::NOENT.into());
    }
    from.hard_link(old, to, new)?;
    Ok(())
}

pub(super) fn path_readlink(
    cx: &mut Cx<'_>,
    fd: u32,
    ptr: u32,
    len: u32,
    buf: u32,
    buf_len: u32,
    out: u32,
) -> WasiResult {
    let (dir, path) = dir_path(cx, fd, rights::PATH_READLINK, ptr, len)?;
    let target = dir.read_link_contents(path)?;
    let target = target
        .into_os_string()
        .into_string()
        .map_err(|_| errno::ILSEQ)?;
    let n = target.len().min(buf_len as usize);
    cx.mem.put(buf, &target.as_bytes()[..n])?;
    cx.mem.put_u32(out, n as u32)?;
    Ok(())
}

pub(super) fn path_remove_directory(cx: &mut Cx<'_>, fd: u32, ptr: u32, len: u32) -> WasiResult {
    let (dir, path) = dir_path(cx, fd, rights::PATH_REMOVE_DIRECTORY, ptr, len)?;
    dir.remove_dir(path)?;
    Ok(())
}

pub(super) fn path_rename(
    cx: &mut Cx<'_>,
    fd: u32,
    ptr: u32,
    len: u32,
    to_fd: u32,
    to_ptr: u32,
    to_len: u32,
) -> WasiResult {
    let (from, old) = dir_path(cx, fd, rights::PATH_RENAME_SOURCE, ptr, len)?;
    let (to, new) = dir_path(cx, to_fd, rights::PATH_RENAME_TARGET, to_ptr, to_len)?;
    from.rename(old, to, new)?;
    Ok(())
}

pub(super) fn path_symlink(
    cx: &mut Cx<'_>,
    ptr: u32,
    len: u32,
    fd: u32,
    to_ptr: u32,
    to_len: u32,
) -> WasiResult {
    let old = cx.mem.path(ptr, len)?;
    let (dir, new) = dir_path(cx, fd, rights::PATH_SYMLINK, to_ptr, to_len)?;
    DirExt::symlink(dir, old, new)?;
    Ok(())
}

pub(super) fn path_unlink_file(cx: &mut Cx<'_>, fd: u32, ptr: u32, len: u32) -> WasiResult {
    let (dir, path) = dir_path(cx, fd, rights::PATH_UNLINK_FILE, ptr, len)?;
    dir.remove_file(path)?;
    Ok(())
}
