//! The runtime functions as the JIT sees them, derived from the one list in
//! `vm::libcalls` (`for_each_libcall!`): the symbol table a `JITBuilder` resolves
//! imports with, and the Cranelift declarations (one `FuncId` per libcall) that
//! translated code calls through.

use anyhow::Result;
use cranelift_codegen::ir::{AbiParam, Signature, Type, types};
use cranelift_codegen::isa::CallConv;
use cranelift_jit::JITBuilder;
use cranelift_module::{FuncId, Linkage, Module};

/// The Cranelift type of a libcall parameter or result kind.
macro_rules! libcall_clif_type {
    ($ptr:ident, vmctx) => {
        $ptr
    };
    ($ptr:ident, cvmctx) => {
        $ptr
    };
    ($ptr:ident, ptr) => {
        $ptr
    };
    ($ptr:ident, i32) => {
        types::I32
    };
}

macro_rules! define_libcalls {
    ($( $name:ident( $( $pname:ident : $param:ident ),* ) $( -> $result:ident )?; )*) => {
        /// Every libcall, declared (as an import) in one JIT module.
        #[cfg_attr(
            not(feature = "component"),
            allow(dead_code, reason = "component trampolines use some of them")
        )]
        pub(crate) struct Libcalls {
            $( pub(crate) $name: FuncId, )*
        }

        impl Libcalls {
            /// Declares every libcall in `jit`, whose builder was given [`symbols`].
            pub(crate) fn declare(jit: &mut impl Module, cc: CallConv, ptr: Type) -> Result<Libcalls> {
                Ok(Libcalls {
                    $( $name: {
                        let mut sig = Signature::new(cc);
                        $( sig.params.push(AbiParam::new(libcall_clif_type!(ptr, $param))); )*
                        $( sig.returns.push(AbiParam::new(libcall_clif_type!(ptr, $result))); )?
                        jit.declare_function(
                            concat!("tierwasm_", stringify!($name)),
                            Linkage::Import,
                            &sig,
                        )?
                    }, )*
                })
            }
        }

        /// Gives `builder` the address of every libcall under its symbol name.
        pub(crate) fn symbols(builder: &mut JITBuilder) {
            $(
                // The cast to the type the list gives checks the function against it.
                let f: unsafe extern "C" fn(
                    $( $crate::vm::libcalls::libcall_rust_type!($param) ),*
                ) $( -> $crate::vm::libcalls::libcall_rust_type!($result) )?
                    = $crate::vm::libcalls::$name;
                builder.symbol(concat!("tierwasm_", stringify!($name)), f as *const u8);
            )*
        }
    };
}

crate::vm::libcalls::for_each_libcall!(define_libcalls);
