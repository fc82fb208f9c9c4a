//! Tests of demo mode's data (the simulators themselves are tested in tests/ of the shell).
use super::*;

#[test]
fn demo_catalog_is_valid_korean_cafe_with_a_signature_item() {
    let c = demo_catalog();
    assert!(c.len() >= 12);
    let mut ids = std::collections::HashSet::new();
    let mut codes = std::collections::HashSet::new();
    for p in &c {
        assert!(ids.insert(p.id.clone()), "ids are unique: {}", p.id);
        assert!(
            codes.insert(p.barcode.clone()),
            "barcodes are unique: {:?}",
            p.barcode
        );
        assert!(
            p.price_minor > 0 && p.price_minor % 100 == 0,
            "whole won, round prices"
        );
        assert!(
            p.name
                .chars()
                .any(|ch| ('\u{AC00}'..='\u{D7A3}').contains(&ch)),
            "Korean name: {}",
            p.name
        );
        assert!(!p.name_en.is_empty());
        assert_eq!(p.tax_id, "vat");
    }
    assert!(
        c.iter().any(|p| p.price_minor > 50_000),
        "one item makes KICC ask for a signature"
    );
}

#[test]
fn demo_terminals_are_recognised_by_name() {
    assert!(is_demo_terminal(DEMO_N950));
    assert!(is_demo_terminal(DEMO_KICC));
    assert!(is_demo_terminal(DEMO_N950_USB));
    assert!(!is_demo_terminal("Counter 1"));
    assert!(DemoStatus::active().pin_hint.contains("1234"));
}
