/*
 * The quickjs workload imports nothing: these definitions replace the
 * wasi-libc wrappers (`__wasi_*`, all in one object of libc.a, which is then
 * never linked) for the only WASI calls that QuickJS and libc reach. None of
 * them runs while bench.js runs (it reads no clock and prints nothing);
 * they keep the module free of imports and deterministic if one ever does.
 */
#include <wasi/api.h>

/* Date.now(), performance.now(): the clock stands at 0. */
__wasi_errno_t __wasi_clock_time_get(__wasi_clockid_t id,
                                     __wasi_timestamp_t precision,
                                     __wasi_timestamp_t *time)
{
    (void)id;
    (void)precision;
    *time = 0;
    return __WASI_ERRNO_SUCCESS;
}

/* stdio (error dumps only): there are no files, every fd is bad. */
__wasi_errno_t __wasi_fd_close(__wasi_fd_t fd)
{
    (void)fd;
    return __WASI_ERRNO_BADF;
}

__wasi_errno_t __wasi_fd_fdstat_get(__wasi_fd_t fd, __wasi_fdstat_t *stat)
{
    (void)fd;
    (void)stat;
    return __WASI_ERRNO_BADF;
}

__wasi_errno_t __wasi_fd_seek(__wasi_fd_t fd, __wasi_filedelta_t offset,
                              __wasi_whence_t whence,
                              __wasi_filesize_t *newoffset)
{
    (void)fd;
    (void)offset;
    (void)whence;
    (void)newoffset;
    return __WASI_ERRNO_BADF;
}

__wasi_errno_t __wasi_fd_write(__wasi_fd_t fd, const __wasi_ciovec_t *iovs,
                               size_t iovs_len, __wasi_size_t *nwritten)
{
    (void)fd;
    (void)iovs;
    (void)iovs_len;
    (void)nwritten;
    return __WASI_ERRNO_BADF;
}
