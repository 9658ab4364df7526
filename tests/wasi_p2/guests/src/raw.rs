//! Calls of WASI 0.2 functions through their canonical-ABI core imports, for what std
//! does not reach (random, insecure random, several pollables, `open-at` with any path,
//! made-up handles). Shared by several programs (`#[path]`); each uses a part.
#![allow(dead_code, reason = "each program uses some of these")]

#[repr(C, align(8))]
struct Ret([u8; 128]);

impl Ret {
    fn new() -> Ret {
        Ret([0; 128])
    }
    fn ptr(&mut self) -> *mut u8 {
        self.0.as_mut_ptr()
    }
    fn u32(&self, at: usize) -> u32 {
        u32::from_le_bytes(self.0[at..at + 4].try_into().unwrap())
    }
    fn u64(&self, at: usize) -> u64 {
        u64::from_le_bytes(self.0[at..at + 8].try_into().unwrap())
    }
    /// A `list<u8>` the host allocated (pointer, length at `at`).
    fn bytes(&self, at: usize) -> Vec<u8> {
        let (ptr, len) = (self.u32(at) as usize, self.u32(at + 4) as usize);
        // SAFETY: the host wrote a list of `len` bytes at `ptr` (through cabi_realloc).
        unsafe { std::slice::from_raw_parts(ptr as *const u8, len).to_vec() }
    }
}

#[link(wasm_import_module = "wasi:clocks/monotonic-clock@0.2.0")]
unsafe extern "C" {
    #[link_name = "subscribe-duration"]
    fn subscribe_duration_(ns: u64) -> u32;
}

#[link(wasm_import_module = "wasi:io/poll@0.2.0")]
unsafe extern "C" {
    #[link_name = "[method]pollable.ready"]
    fn ready_(p: u32) -> u32;
    #[link_name = "poll"]
    fn poll_(ptr: *const u32, len: usize, ret: *mut u8);
    #[link_name = "[resource-drop]pollable"]
    fn drop_pollable_(p: u32);
}

#[link(wasm_import_module = "wasi:random/random@0.2.0")]
unsafe extern "C" {
    #[link_name = "get-random-bytes"]
    fn random_bytes_(len: u64, ret: *mut u8);
    #[link_name = "get-random-u64"]
    fn random_u64_() -> u64;
}

#[link(wasm_import_module = "wasi:random/insecure@0.2.0")]
unsafe extern "C" {
    #[link_name = "get-insecure-random-bytes"]
    fn insecure_bytes_(len: u64, ret: *mut u8);
    #[link_name = "get-insecure-random-u64"]
    fn insecure_u64_() -> u64;
}

#[link(wasm_import_module = "wasi:random/insecure-seed@0.2.0")]
unsafe extern "C" {
    #[link_name = "insecure-seed"]
    fn insecure_seed_(ret: *mut u8);
}

#[link(wasm_import_module = "wasi:filesystem/preopens@0.2.0")]
unsafe extern "C" {
    #[link_name = "get-directories"]
    fn get_directories_(ret: *mut u8);
}

#[link(wasm_import_module = "wasi:filesystem/types@0.2.0")]
unsafe extern "C" {
    #[link_name = "[method]descriptor.open-at"]
    fn open_at_(d: u32, path_flags: u32, ptr: *const u8, len: usize, open: u32, flags: u32, ret: *mut u8);
    #[link_name = "[method]descriptor.stat"]
    fn stat_(d: u32, ret: *mut u8);
}

pub fn subscribe_duration(ns: u64) -> u32 {
    // SAFETY: a plain import call.
    unsafe { subscribe_duration_(ns) }
}

pub fn ready(p: u32) -> bool {
    // SAFETY: a plain import call.
    unsafe { ready_(p) != 0 }
}

pub fn drop_pollable(p: u32) {
    // SAFETY: a plain import call.
    unsafe { drop_pollable_(p) }
}

/// The indices of the ready pollables.
pub fn poll(list: &[u32]) -> Vec<u32> {
    let mut r = Ret::new();
    // SAFETY: the list is valid for the call; the result is written to `r`.
    unsafe { poll_(list.as_ptr(), list.len(), r.ptr()) };
    let (ptr, len) = (r.u32(0) as usize, r.u32(4) as usize);
    // SAFETY: the host wrote a list of `len` u32s at `ptr` (through cabi_realloc).
    unsafe { std::slice::from_raw_parts(ptr as *const u32, len).to_vec() }
}

pub fn random_bytes(len: u64) -> Vec<u8> {
    let mut r = Ret::new();
    // SAFETY: the result is written to `r`.
    unsafe { random_bytes_(len, r.ptr()) };
    r.bytes(0)
}

pub fn random_u64() -> u64 {
    // SAFETY: a plain import call.
    unsafe { random_u64_() }
}

pub fn insecure_bytes(len: u64) -> Vec<u8> {
    let mut r = Ret::new();
    // SAFETY: the result is written to `r`.
    unsafe { insecure_bytes_(len, r.ptr()) };
    r.bytes(0)
}

pub fn insecure_u64() -> u64 {
    // SAFETY: a plain import call.
    unsafe { insecure_u64_() }
}

pub fn insecure_seed() -> (u64, u64) {
    let mut r = Ret::new();
    // SAFETY: the result is written to `r`.
    unsafe { insecure_seed_(r.ptr()) };
    (r.u64(0), r.u64(8))
}

/// The handle of the first preopened directory.
pub fn first_preopen() -> u32 {
    let mut r = Ret::new();
    // SAFETY: the result is written to `r`.
    unsafe { get_directories_(r.ptr()) };
    let list = r.u32(0) as *const u32;
    assert!(r.u32(4) > 0, "no preopens");
    // SAFETY: the host wrote at least one (handle, string) element at `list`.
    unsafe { *list }
}

/// `open-at(dir, path)` for reading: the new handle or the `error-code` index.
pub fn open_at(dir: u32, path: &str) -> Result<u32, u8> {
    let mut r = Ret::new();
    // SAFETY: the path is valid for the call; the result is written to `r`.
    unsafe { open_at_(dir, 0, path.as_ptr(), path.len(), 0, 1, r.ptr()) };
    match r.0[0] {
        0 => Ok(r.u32(4)),
        _ => Err(r.0[4]),
    }
}

/// `stat` of a handle: the `error-code` index, if it fails.
pub fn stat_code(d: u32) -> Option<u8> {
    let mut r = Ret::new();
    // SAFETY: the result is written to `r`.
    unsafe { stat_(d, r.ptr()) };
    (r.0[0] != 0).then(|| r.0[8])
}
