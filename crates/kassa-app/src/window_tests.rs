//! The window contract's serialized shapes, and (with the `ts` feature) the generated
//! TypeScript file the UI imports: regenerated here and compared with the committed copy.

use super::*;
use crate::error::AppError;

#[test]
fn error_view_is_code_and_message_only() {
    // The TypeScript declaration of `ErrorView` is written by hand (ErrorViewDecl); this keeps
    // it honest.
    let v = serde_json::to_value(AppError::Usage("x".into()).to_view()).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["code", "message"]);
}

#[test]
fn pin_entries_read_the_pin_into_a_secret() {
    let e: PinEntry = serde_json::from_str(r#"{"account_id":"u1","pin":"1234"}"#).unwrap();
    assert_eq!(e.pin.0.expose(), "1234");
    assert!(
        !format!("{e:?}").contains("1234"),
        "a PIN never reaches a log line"
    );
}

#[cfg(feature = "ts")]
#[test]
fn typescript_bindings_are_up_to_date() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings.ts");
    let fresh = typescript();
    if std::env::var_os("KASSA_WRITE_TS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/lib/bindings.ts is stale: run scripts/check-ts-types.sh --write and commit it"
    );
}
