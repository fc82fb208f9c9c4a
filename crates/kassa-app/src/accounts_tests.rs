//! Accounts on a real ledger file: hashing, lockout on the clock seam, and roles enforced by
//! the service itself.

use super::*;
use crate::store::StoreSettings;
use crate::window::RefundInput;
use crate::OpenOptions;
use kassa_core::ids::SeqEntropy;
use kassa_core::ManualClock;
use std::sync::Arc;

fn open(dir: &tempfile::TempDir, clock: Arc<ManualClock>) -> Service {
    Service::open(OpenOptions {
        db_path: dir.path().join("kassa.db"),
        clock,
        entropy: Arc::new(SeqEntropy::new(1)),
        store_code: "T".into(),
    })
    .unwrap()
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::at("2026-11-21T09:00:00+09:00"))
}

fn pin(p: &str) -> Secret<String> {
    Secret::new(p.to_string())
}

fn seeded(dir: &tempfile::TempDir, clock: Arc<ManualClock>) -> Service {
    let svc = open(dir, clock);
    assert!(svc
        .seed_accounts(&[
            ("Mina", Role::Manager, "1234"),
            ("Jun", Role::Cashier, "0000")
        ])
        .unwrap());
    svc
}

fn id_of(svc: &Service, name: &str) -> String {
    svc.accounts()
        .unwrap()
        .into_iter()
        .find(|a| a.name == name)
        .unwrap()
        .id
}

#[test]
fn the_right_pin_signs_in_with_the_accounts_role() {
    let dir = tempfile::tempdir().unwrap();
    let svc = seeded(&dir, clock());
    let mgr = svc.sign_in(&id_of(&svc, "Mina"), &pin("1234")).unwrap();
    assert_eq!((mgr.name(), mgr.role()), ("Mina", Role::Manager));
    let cashier = svc.sign_in(&id_of(&svc, "Jun"), &pin("0000")).unwrap();
    assert_eq!(cashier.role(), Role::Cashier);
    assert!(
        svc.sign_in(&id_of(&svc, "Jun"), &pin("1234")).is_err(),
        "PINs are per account"
    );
    // Seeding again changes nothing: the accounts exist.
    assert!(!svc
        .seed_accounts(&[("Other", Role::Manager, "9999")])
        .unwrap());
}

#[test]
fn pins_are_stored_only_as_argon2id_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let svc = seeded(&dir, clock());
    let stored = svc.ledger.setting("accounts").unwrap().unwrap().to_string();
    assert!(
        stored.contains("$argon2id$"),
        "an Argon2id PHC string is stored"
    );
    assert!(
        !stored.contains("\"1234\"") && !stored.contains("\"0000\""),
        "never the PIN"
    );
}

#[test]
fn five_wrong_pins_lock_the_account_for_five_minutes_even_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let c = clock();
    let svc = seeded(&dir, c.clone());
    let mina = id_of(&svc, "Mina");
    for i in 1..MAX_FAILURES {
        let e = svc.sign_in(&mina, &pin("9999")).unwrap_err();
        assert!(
            e.to_string()
                .contains(&format!("{} more tries", MAX_FAILURES - i)),
            "{e}"
        );
    }
    let e = svc.sign_in(&mina, &pin("9999")).unwrap_err();
    assert!(e.to_string().contains("locked"), "{e}");
    assert!(svc
        .accounts()
        .unwrap()
        .iter()
        .any(|a| a.id == mina && a.locked_until.is_some()));
    // Locked: even the right PIN is refused, and a restart does not clear the lock.
    drop(svc);
    let svc = open(&dir, c.clone());
    let e = svc.sign_in(&mina, &pin("1234")).unwrap_err();
    assert!(e.to_string().contains("locked for 5 more minute"), "{e}");
    // Another account is not affected.
    assert!(svc.sign_in(&id_of(&svc, "Jun"), &pin("0000")).is_ok());
    c.advance(LOCKOUT - Duration::from_secs(1));
    assert!(
        svc.sign_in(&mina, &pin("1234")).is_err(),
        "one second before the end, still locked"
    );
    c.advance(Duration::from_secs(1));
    assert!(
        svc.sign_in(&mina, &pin("1234")).is_ok(),
        "the lock ends after five minutes"
    );
    // And the count starts again from zero.
    let e = svc.sign_in(&mina, &pin("9999")).unwrap_err();
    assert!(e.to_string().contains("4 more tries"), "{e}");
}

#[test]
fn the_service_refuses_a_cashier_what_only_a_manager_may_do() {
    let dir = tempfile::tempdir().unwrap();
    let svc = seeded(&dir, clock());
    let cashier = svc.sign_in(&id_of(&svc, "Jun"), &pin("0000")).unwrap();
    let refused = |r: AppResult<()>| {
        let e = r.unwrap_err();
        assert!(
            e.to_string().contains("a manager must enter their PIN"),
            "{e}"
        );
    };
    refused(
        svc.save_store_settings(&cashier, StoreSettings::default())
            .map(|_| ()),
    );
    refused(svc.remove_product(&cashier, "p1"));
    refused(svc.close_day(&cashier).map(|_| ()));
    refused(
        svc.save_account(
            &cashier,
            AccountInput {
                id: None,
                name: "X".into(),
                role: Role::Manager,
                pin: None,
            },
        )
        .map(|_| ()),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let input = RefundInput {
        payment: "O1".into(),
        amount_minor: None,
        reason: "r".into(),
        terminal_ref: None,
    };
    refused(rt.block_on(svc.refund_as(&cashier, input)).map(|_| ()));
    // The kiosk may only sell.
    let kiosk = Operator::kiosk();
    assert!(kiosk.require(Permission::Sell).is_ok());
    assert!(kiosk.require(Permission::ViewOrders).is_err());
    assert!(kiosk.require(Permission::Refund).is_err());
    // Nothing was written by the refused calls.
    assert_eq!(svc.ledger().setting("store").unwrap(), None);
}

#[test]
fn managers_add_accounts_and_the_last_manager_stays() {
    let dir = tempfile::tempdir().unwrap();
    let svc = seeded(&dir, clock());
    let mgr = svc.sign_in(&id_of(&svc, "Mina"), &pin("1234")).unwrap();
    let new = |name: &str, role, p: Option<&str>| AccountInput {
        id: None,
        name: name.into(),
        role,
        pin: p.map(|p| Pin(pin(p))),
    };
    assert!(
        svc.save_account(&mgr, new("Sora", Role::Cashier, None))
            .is_err(),
        "needs a PIN"
    );
    assert!(svc
        .save_account(&mgr, new("Sora", Role::Cashier, Some("12a4")))
        .is_err());
    assert!(svc
        .save_account(&mgr, new("Sora", Role::Kiosk, Some("5555")))
        .is_err());
    let sora = svc
        .save_account(&mgr, new("Sora", Role::Cashier, Some("5555")))
        .unwrap();
    assert!(svc.sign_in(&sora.id, &pin("5555")).is_ok());
    // Demoting or removing the only manager is refused.
    let mina = id_of(&svc, "Mina");
    let demote = AccountInput {
        id: Some(mina.clone()),
        name: "Mina".into(),
        role: Role::Cashier,
        pin: None,
    };
    assert!(svc.save_account(&mgr, demote).is_err());
    assert!(svc.remove_account(&mgr, &mina).is_err());
    assert!(svc.sign_in(&mina, &pin("1234")).is_ok(), "her PIN was kept");
    svc.remove_account(&mgr, &sora.id).unwrap();
    assert!(svc.sign_in(&sora.id, &pin("5555")).is_err());
}
