//! Typed function indices. A module numbers its functions imports first; the runtime
//! keeps per-function data for defined functions only. Mixing the two numberings is the
//! classic off-by-`num_imported_funcs` bug, so each has its own type and the only way
//! between them is through [`ModuleInfo`](super::ModuleInfo).

/// A function in the module's index space (imported functions first).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncIndex(u32);

/// A function the module defines (not imports), counted from 0.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DefinedFuncIndex(u32);

macro_rules! index_type {
    ($ty:ident) => {
        impl $ty {
            /// Wraps a raw index.
            #[inline]
            pub const fn from_u32(i: u32) -> Self {
                Self(i)
            }
            /// The raw index.
            #[inline]
            pub const fn as_u32(self) -> u32 {
                self.0
            }
            /// The raw index, for indexing slices.
            #[inline]
            pub const fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl core::fmt::Display for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

index_type!(FuncIndex);
index_type!(DefinedFuncIndex);

impl super::ModuleInfo {
    /// The defined-function index of `f`, or `None` if `f` is imported.
    #[inline]
    pub fn defined_func_index(&self, f: FuncIndex) -> Option<DefinedFuncIndex> {
        f.0.checked_sub(self.num_imported_funcs)
            .map(DefinedFuncIndex)
    }

    /// The index-space index of defined function `d`.
    #[inline]
    pub fn func_index(&self, d: DefinedFuncIndex) -> FuncIndex {
        FuncIndex(d.0 + self.num_imported_funcs)
    }

    /// Every defined function, in order.
    pub fn defined_funcs(&self) -> impl ExactSizeIterator<Item = DefinedFuncIndex> + use<> {
        (0..self.num_defined_funcs()).map(DefinedFuncIndex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::ModuleInfo;

    #[test]
    fn defined_and_index_space_round_trip() {
        let m = ModuleInfo {
            num_imported_funcs: 2,
            functions: vec![0; 5],
            ..Default::default()
        };
        assert_eq!(m.defined_func_index(FuncIndex::from_u32(1)), None);
        let d = m.defined_func_index(FuncIndex::from_u32(3)).unwrap();
        assert_eq!(d, DefinedFuncIndex::from_u32(1));
        assert_eq!(m.func_index(d), FuncIndex::from_u32(3));
        assert_eq!(m.defined_funcs().len(), 3);
    }
}
