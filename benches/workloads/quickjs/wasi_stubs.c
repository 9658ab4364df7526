/* The four WASI calls QuickJS's core links (through wasi-libc), defined here so that
 * quickjs.wasm imports nothing, like every workload: a fixed clock (run(n) must be
 * deterministic), output discarded, no files. wasm-ld resolves libc's imported
 * symbols to these definitions. */
#include <stdint.h>
#include <wasi/api.h>

int32_t __imported_wasi_snapshot_preview1_clock_time_get(int32_t id, int64_t precision,
                                                          int32_t out) {
    (void)id;
    (void)precision;
    *(uint64_t *)(uintptr_t)out = 1700000000000000000ull;
    return 0;
}

int32_t __imported_wasi_snapshot_preview1_fd_write(int32_t fd, int32_t iovs, int32_t n,
                                                    int32_t out) {
    (void)fd;
    const __wasi_ciovec_t *v = (const __wasi_ciovec_t *)(uintptr_t)iovs;
    uint32_t total = 0;
    for (int32_t i = 0; i < n; i++)
        total += v[i].buf_len;
    *(uint32_t *)(uintptr_t)out = total;
    return 0;
}

int32_t __imported_wasi_snapshot_preview1_fd_close(int32_t fd) {
    (void)fd;
    return __WASI_ERRNO_BADF;
}

int32_t __imported_wasi_snapshot_preview1_fd_seek(int32_t fd, int64_t offset, int32_t whence,
                                                   int32_t out) {
    (void)fd;
    (void)offset;
    (void)whence;
    (void)out;
    return __WASI_ERRNO_BADF;
}
