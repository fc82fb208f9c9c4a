//! The audit log as the service offers it: checking its hash chain, and the privileged
//! actions that happen outside the service's other calls (leaving kiosk mode) recorded in it.
//! Everything else privileged (refunds, manager resolutions, manual refund records, settings,
//! terminals, day close) is audited where it happens.

use crate::accounts::{Operator, Permission};
use crate::error::AppResult;
use crate::Service;
use kassa_ledger::AuditVerification;

impl Service {
    /// Walks the audit log's hash chain and returns the verdict: intact, or the first entry
    /// edited, removed, reordered or cut off outside Kassa.
    pub fn verify_audit(&self) -> AppResult<AuditVerification> {
        Ok(self.ledger.verify_audit()?)
    }

    /// Records that `by` (a manager, checked here) ends kiosk mode; call it before the kiosk
    /// window closes. Refused, and nothing recorded, for anyone who may not change settings.
    pub fn kiosk_exit(&self, by: &Operator) -> AppResult<()> {
        by.require(Permission::Settings)?;
        self.ledger.audit(
            by.name(),
            "kiosk_exit",
            &serde_json::json!({"account": by.account_id()}),
        )?;
        tracing::info!(manager = by.name(), "kiosk mode ended by a manager");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{OpenOptions, Operator, Role, Service};
    use kassa_core::ids::SeqEntropy;
    use kassa_core::{ManualClock, Secret};
    use std::sync::Arc;

    #[test]
    fn kiosk_exit_is_audited_for_a_manager_only_and_the_chain_holds() {
        let dir = tempfile::tempdir().unwrap();
        let svc = Service::open(OpenOptions {
            db_path: dir.path().join("kassa.db"),
            clock: Arc::new(ManualClock::at("2026-11-21T09:00:00+09:00")),
            entropy: Arc::new(SeqEntropy::new(1)),
            store_code: "T".into(),
        })
        .unwrap();
        svc.seed_accounts(&[
            ("Mina", Role::Manager, "1234"),
            ("Jun", Role::Cashier, "0000"),
        ])
        .unwrap();
        let id = |name: &str| {
            svc.accounts()
                .unwrap()
                .into_iter()
                .find(|a| a.name == name)
                .unwrap()
                .id
        };
        let jun = svc
            .sign_in(&id("Jun"), &Secret::new("0000".into()))
            .unwrap();
        let mina = svc
            .sign_in(&id("Mina"), &Secret::new("1234".into()))
            .unwrap();
        let before = svc.ledger().audit_log().unwrap().len();

        assert!(
            svc.kiosk_exit(&Operator::kiosk()).is_err(),
            "the kiosk cannot leave itself"
        );
        assert!(
            svc.kiosk_exit(&jun).is_err(),
            "a cashier cannot end kiosk mode"
        );
        assert_eq!(
            svc.ledger().audit_log().unwrap().len(),
            before,
            "refusals record nothing"
        );

        svc.kiosk_exit(&mina).unwrap();
        let log = svc.ledger().audit_log().unwrap();
        let last = log.last().unwrap();
        assert_eq!(
            (last.actor.as_str(), last.action.as_str()),
            ("Mina", "kiosk_exit")
        );
        let v = svc.verify_audit().unwrap();
        assert!(v.is_intact(), "{v:?}");
        assert_eq!(v.entries as usize, log.len());
    }
}
