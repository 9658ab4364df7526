//! The embedding examples run, and the component example prints the same on every tier.

#[path = "../examples/component.rs"]
mod component_example;

#[test]
fn component_example_is_the_same_on_every_tier() {
    let interp = component_example::run(tierwasm::Tier::Interp).unwrap();
    assert!(
        interp.contains(r#"greet("world") = "Hello, *world*!""#),
        "{interp}"
    );
    assert!(
        interp.contains(r#"oldest = some({name: "Grace", age: 85})"#),
        "{interp}"
    );
    assert!(interp.contains("total-age = 162"), "{interp}");
    if cfg!(feature = "jit") {
        let jit = component_example::run(tierwasm::Tier::Jit).unwrap();
        assert_eq!(interp, jit);
    }
}
