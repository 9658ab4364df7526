//! `wasi:random`: secure random bytes (the OS's generator), insecure ones (a generator
//! seeded from it) and the insecure seed (fixed per context run).

use super::{GetCtx, func, iface};
use crate::component::Linker;
use anyhow::{Result, bail};
use cap_rand::RngCore;

/// The most bytes one call may ask for (a guest asking for more traps rather than
/// making the host allocate without bound).
const MAX_BYTES: u64 = 64 << 20;

fn bytes(rng: &mut impl RngCore, len: u64) -> Result<Vec<u8>> {
    if len > MAX_BYTES {
        bail!("asked for {len} random bytes; at most {MAX_BYTES} per call");
    }
    let mut buf = vec![0; len as usize];
    rng.try_fill_bytes(&mut buf)?;
    Ok(buf)
}

fn os_rng() -> cap_rand::rngs::OsRng {
    cap_rand::rngs::OsRng::default(cap_rand::ambient_authority())
}

pub(super) fn add<T: 'static>(linker: &mut Linker<T>, get: impl GetCtx<T>) -> Result<()> {
    let mut i = iface(linker, "random/random")?;
    func(&mut i, "get-random-bytes", get, |_, (len,): (u64,)| {
        Ok((bytes(&mut os_rng(), len)?,))
    })?;
    func(&mut i, "get-random-u64", get, |_, ()| {
        Ok((os_rng().next_u64(),))
    })?;

    let mut i = iface(linker, "random/insecure")?;
    func(
        &mut i,
        "get-insecure-random-bytes",
        get,
        |_, (len,): (u64,)| {
            Ok((bytes(
                &mut cap_rand::thread_rng(cap_rand::ambient_authority()),
                len,
            )?,))
        },
    )?;
    func(&mut i, "get-insecure-random-u64", get, |_, ()| {
        Ok((cap_rand::thread_rng(cap_rand::ambient_authority()).next_u64(),))
    })?;

    let mut i = iface(linker, "random/insecure-seed")?;
    func(&mut i, "insecure-seed", get, |ctx, ()| {
        Ok((ctx.insecure_seed,))
    })?;
    Ok(())
}
