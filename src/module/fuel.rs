//! The fuel an operator costs (`Config::consume_fuel`), the one definition both tiers
//! charge, so a program runs out of fuel at the same point on either tier.

use wasmparser::Operator as O;

/// The fuel `op` costs: 1, except 0 for operators that do no work of their own
/// (structure, `nop`, `drop`, and the `unreachable`/`return` that leave).
#[inline(always)]
pub fn cost(op: &O<'_>) -> u32 {
    match op {
        O::Nop
        | O::Drop
        | O::Block { .. }
        | O::Loop { .. }
        | O::Unreachable
        | O::Return
        | O::Else
        | O::End => 0,
        _ => 1,
    }
}
