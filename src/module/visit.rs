//! The one `wasmparser::VisitOperator` shape both tiers' translators use: each
//! `visit_*` method builds its operator in place and hands it to the translator's
//! `operator(&mut self, &Operator) -> anyhow::Result<()>`, which is inlined there, so
//! the match on the operator folds to the one arm of its variant.
//!
//! Much cheaper than `OperatorsReader::read`, which returns (and drops) a whole
//! `Operator` per op. The operator is dropped only when its fields need it: the drop
//! glue of `Operator` is an out-of-line match on the variant, which the compiler does
//! not fold although the variant is known here (it was 3% of a translation).

/// Defines every `visit_*` method of `VisitOperator` as a call of `self.operator`;
/// use as `wasmparser::for_each_visit_operator!(define_visit_operator)` inside an
/// `impl VisitOperator` with `type Output = anyhow::Result<()>`.
macro_rules! define_visit_operator {
    ($(@$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(
            fn $visit(&mut self $($(,$arg: $argty)*)?) -> Self::Output {
                let op = core::mem::ManuallyDrop::new(wasmparser::Operator::$op $({ $($arg),* })?);
                let result = self.operator(&op);
                if core::mem::needs_drop::<($($($argty,)*)?)>() {
                    drop(core::mem::ManuallyDrop::into_inner(op));
                }
                result
            }
        )*
    }
}
pub(crate) use define_visit_operator;
