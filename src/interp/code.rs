//! Per-module interpreter data: the translated code of each function, made on first call.

use super::hotness::{HotnessTable, TierUpPolicy};
use super::translate::{TranslateOptions, translate_function};
use crate::module::{DefinedFuncIndex, ModuleInfo};
use crate::vm::VMSharedTypeIndex;
use anyhow::Result;
use std::sync::{Arc, OnceLock};

/// The bytecode of one function and the shape of its frame.
#[derive(Debug)]
pub struct FuncCode {
    /// The bytecode.
    pub code: Box<[u8]>,
    /// Slots of the frame: parameters, locals, then operand temporaries.
    pub frame_size: u32,
    /// Parameters (slots `0..num_params`).
    pub num_params: u32,
    /// Parameters plus declared locals (an entry from native code zeroes every declared
    /// local; a call only those of `zero_from`).
    pub num_locals: u32,
    /// The first declared local a call zeroes, and how many: those that may be read
    /// before they are written (the others are never read so).
    pub zero_from: u32,
    /// See `zero_from`.
    pub zero_len: u32,
    /// Results (returned in slots `0..num_results`).
    pub num_results: u32,
}

/// The interpreter's view of a module, shared by every instance of it.
pub struct ModuleCode {
    module: Arc<ModuleInfo>,
    sig_ids: Box<[VMSharedTypeIndex]>,
    arities: Box<[(u16, u16)]>,
    funcs: Box<[OnceLock<FuncCode>]>,
    options: TranslateOptions,
    /// Tier-up budgets of each function.
    pub(crate) hot: HotnessTable,
}

impl ModuleCode {
    /// Prepares (does not translate) the functions of `module`.
    pub fn new(
        module: Arc<ModuleInfo>,
        sig_ids: Box<[VMSharedTypeIndex]>,
        options: TranslateOptions,
        policy: TierUpPolicy,
    ) -> ModuleCode {
        let arities = module
            .types
            .iter()
            .map(|t| (t.params().len() as u16, t.results().len() as u16))
            .collect();
        let funcs = (0..module.num_defined_funcs())
            .map(|_| OnceLock::new())
            .collect();
        ModuleCode {
            hot: HotnessTable::new(module.num_defined_funcs(), policy),
            module,
            sig_ids,
            arities,
            funcs,
            options,
        }
    }

    /// The module.
    pub fn module(&self) -> &Arc<ModuleInfo> {
        &self.module
    }

    /// The code of defined function `d`, if already translated.
    #[inline(always)]
    pub fn get(&self, d: u32) -> Option<&FuncCode> {
        // SAFETY: `d` is a defined function index (checked by the translator at emission).
        unsafe { self.funcs.get_unchecked(d as usize) }.get()
    }

    /// Translates defined function `d` (if no other thread did meanwhile) and returns it.
    #[cold]
    #[inline(never)]
    pub fn translate(&self, d: u32) -> Result<&FuncCode> {
        let slot = &self.funcs[d as usize];
        if let Some(code) = slot.get() {
            return Ok(code);
        }
        let code = translate_function(&self.module, DefinedFuncIndex::from_u32(d), &self.options)?;
        let _ = slot.set(code);
        Ok(slot.get().expect("just set"))
    }

    /// Translates every function now (for benchmarks and eager configurations).
    pub fn translate_all(&self) -> Result<()> {
        for d in 0..self.funcs.len() as u32 {
            self.translate(d)?;
        }
        Ok(())
    }

    /// Canonical signature id of module type `ty`.
    #[inline(always)]
    pub fn sig_id(&self, ty: u32) -> VMSharedTypeIndex {
        self.sig_ids[ty as usize]
    }

    /// Parameter and result counts of module type `ty`.
    #[inline(always)]
    pub fn type_arity(&self, ty: u32) -> (usize, usize) {
        let (p, r) = self.arities[ty as usize];
        (p as usize, r as usize)
    }

    /// Parameter and result counts of function `func`.
    #[inline(always)]
    pub fn func_arity(&self, func: u32) -> (usize, usize) {
        self.type_arity(self.module.functions[func as usize])
    }

    /// Total bytecode bytes of the functions translated so far.
    pub fn bytecode_size(&self) -> usize {
        self.funcs
            .iter()
            .filter_map(|f| f.get())
            .map(|f| f.code.len())
            .sum()
    }
}
