//! KICC driver ↔ emulated device over loopback: lost answers recovered with
//! GetLastTransaction, repeated request ids, refunds (PurchaseCancel), diagnosis.
#![cfg(feature = "kicc")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod kicc_common;

use kassa_core::{
    Approval, InquiryError, NullSink, PayOutcome, PaymentQuery, PaymentRef, PaymentStatus,
    RefundOutcome, RefundQuery, RefundRequest, RefundStatus, RequestError, Terminal, UnknownReason,
    VecSink,
};
use kassa_kicc::codes::BusinessCode;
use kassa_sim::kicc::{Scenario, TxResult};
use kicc_common::*;

fn query(request_id: &str, won: i64) -> PaymentQuery {
    PaymentQuery {
        request_id: id(request_id),
        amount: krw(won),
    }
}

/// Recovery must find exactly the charge the device logged.
fn assert_recovered(r: &Rig, rid: &str, status: &PaymentStatus) {
    let PaymentStatus::Succeeded(a) = status else {
        panic!("recovery should find the charge: {status:?}")
    };
    assert_agrees(&r.sim, rid, &PayOutcome::Approved(a.clone()));
    assert!(
        a.vendor_data["acquirerMetaData"].is_string(),
        "recovery keeps what a refund needs"
    );
}

#[tokio::test]
async fn a_connection_dropped_after_the_charge_is_recovered_not_lost() {
    let r = rig().await;
    r.sim.push_scenario(Scenario::DropAfterCharge);
    let sink = VecSink::default();
    let out = r.kicc.pay(&pay_req("P1", 12_000), &sink).await.unwrap();
    assert!(
        matches!(
            out,
            PayOutcome::Unknown {
                reason: UnknownReason::ConnectionLost(_)
            }
        ),
        "{out:?}"
    );
    assert_eq!(seen(&sink.events()), happy_events());
    assert_eq!(charges(&r.sim, "P1").len(), 1, "the device charged");
    let status = r.kicc.inquire_payment(&query("P1", 12_000)).await.unwrap();
    assert_recovered(&r, "P1", &status);
    r.sim.stop().await;
}

#[tokio::test]
async fn a_bridge_response_timeout_is_unknown_and_recovered() {
    let r = rig().await;
    r.sim.push_scenario(Scenario::ResponseTimeout);
    let out = r.kicc.pay(&pay_req("P1", 12_000), &NullSink).await.unwrap();
    assert_eq!(
        out,
        PayOutcome::Unknown {
            reason: UnknownReason::Timeout
        }
    );
    let status = r.kicc.inquire_payment(&query("P1", 12_000)).await.unwrap();
    assert_recovered(&r, "P1", &status);
    r.sim.stop().await;
}

#[tokio::test]
async fn a_silent_device_is_recovered_after_the_pos_timeout() {
    let r = rig_with(short_pay()).await;
    r.sim.push_scenario(Scenario::Silent);
    let out = r.kicc.pay(&pay_req("P1", 7_000), &NullSink).await.unwrap();
    assert_eq!(
        out,
        PayOutcome::Unknown {
            reason: UnknownReason::Timeout
        }
    );
    // Recovery asks until the device has charged; here, one ask once it has.
    charged(&r.sim, "P1").await;
    let status = r.kicc.inquire_payment(&query("P1", 7_000)).await.unwrap();
    assert_recovered(&r, "P1", &status);
    r.sim.stop().await;
}

#[tokio::test]
async fn a_declined_purchase_is_recovered_as_failed() {
    let r = rig().await;
    r.sim
        .push_scenario(Scenario::BusinessFail(BusinessCode::UserBalanceNotEnough));
    let out = r.kicc.pay(&pay_req("P1", 7_000), &NullSink).await.unwrap();
    assert!(matches!(out, PayOutcome::Declined(_)));
    let status = r.kicc.inquire_payment(&query("P1", 7_000)).await.unwrap();
    assert!(
        matches!(status, PaymentStatus::Failed(ref d) if d.code == "USER_BALANCE_NOT_ENOUGH"),
        "{status:?}"
    );
    assert!(charges(&r.sim, "P1").is_empty());
    r.sim.stop().await;
}

#[tokio::test]
async fn another_last_transaction_or_amount_is_untrustworthy_and_stays_unknown() {
    let r = rig().await;
    r.sim.push_scenario(Scenario::DropAfterCharge);
    let lost = r.kicc.pay(&pay_req("P1", 12_000), &NullSink).await.unwrap();
    assert!(matches!(lost, PayOutcome::Unknown { .. }));
    let wrong_amount = r.kicc.inquire_payment(&query("P1", 12_001)).await;
    assert!(
        matches!(
            wrong_amount,
            Err(InquiryError::Untrustworthy(UnknownReason::Mismatch(_)))
        ),
        "{wrong_amount:?}"
    );
    // Another sale happens before recovery: the device only remembers its last transaction.
    let next = r.kicc.pay(&pay_req("P2", 3_000), &NullSink).await.unwrap();
    assert!(matches!(next, PayOutcome::Approved(_)));
    let status = r.kicc.inquire_payment(&query("P1", 12_000)).await;
    assert!(
        matches!(
            status,
            Err(InquiryError::Untrustworthy(UnknownReason::Mismatch(_)))
        ),
        "P1 must stay unknown for a manager, not be failed: {status:?}"
    );
    assert_eq!(charges(&r.sim, "P1").len(), 1, "and it was indeed charged");
    r.sim.stop().await;
}

#[tokio::test]
async fn unknown_from_the_vendor_is_not_a_decline() {
    let r = rig().await;
    r.sim
        .push_scenario(Scenario::BusinessFail(BusinessCode::Unknown));
    let out = r.kicc.pay(&pay_req("P1", 7_000), &NullSink).await.unwrap();
    assert!(
        matches!(
            out,
            PayOutcome::Unknown {
                reason: UnknownReason::NotFinal(_)
            }
        ),
        "{out:?}"
    );
    let status = r.kicc.inquire_payment(&query("P1", 7_000)).await;
    assert!(
        matches!(status, Err(InquiryError::Untrustworthy(_))),
        "{status:?}"
    );
    r.sim.stop().await;
}

#[tokio::test]
async fn a_request_id_is_never_sent_twice_and_a_repeat_from_a_restarted_pos_is_recovered() {
    let r = rig().await;
    let first = r.kicc.pay(&pay_req("P1", 9_000), &NullSink).await.unwrap();
    assert!(matches!(first, PayOutcome::Approved(_)));
    let sent = r.sim.commands().len();
    let again = r.kicc.pay(&pay_req("P1", 9_000), &NullSink).await;
    assert!(matches!(again, Err(RequestError::Config(_))), "{again:?}");
    assert_eq!(
        r.sim.commands().len(),
        sent,
        "the driver did not send it again"
    );

    // A restarted POS does not remember; the device does.
    let restarted = driver(&r.sim, patient());
    let sink = VecSink::default();
    let repeat = restarted.pay(&pay_req("P1", 9_000), &sink).await.unwrap();
    assert!(
        matches!(
            repeat,
            PayOutcome::Unknown {
                reason: UnknownReason::Mismatch(_)
            }
        ),
        "REPEAT_REQ_REJECT must not fail an attempt the device may have charged: {repeat:?}"
    );
    assert!(sink.events().is_empty());
    let status = restarted
        .inquire_payment(&query("P1", 9_000))
        .await
        .unwrap();
    assert_recovered(&r, "P1", &status);
    assert_eq!(charges(&r.sim, "P1").len(), 1, "charged once");
    r.sim.stop().await;
}

#[tokio::test]
async fn a_device_with_no_transactions_proves_nothing() {
    let r = rig().await;
    let status = r.kicc.inquire_payment(&query("P1", 9_000)).await;
    assert!(
        matches!(status, Err(InquiryError::Untrustworthy(_))),
        "{status:?}"
    );
    r.sim.stop().await;
}

fn refund_of(approval: &Approval, refund_id: &str, paid: i64, won: i64) -> RefundRequest {
    RefundRequest {
        refund_request_id: id(refund_id),
        payment: PaymentRef {
            request_id: id("P1"),
            terminal_payment_id: approval.terminal_payment_id.clone(),
            amount: krw(paid),
            vendor_data: approval.vendor_data.clone(),
        },
        amount: krw(won),
        reason: "customer changed mind".into(),
    }
}

async fn paid(r: &Rig, won: i64) -> Approval {
    match r.kicc.pay(&pay_req("P1", won), &NullSink).await.unwrap() {
        PayOutcome::Approved(a) => a,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_full_refund_cancels_the_purchase_with_its_metadata() {
    let r = rig().await;
    let a = paid(&r, 20_000).await;
    let out = r
        .kicc
        .refund(&refund_of(&a, "R1", 20_000, 20_000))
        .await
        .unwrap();
    let RefundOutcome::Approved(ok) = &out else {
        panic!("{out:?}")
    };
    assert_eq!(ok.amount, krw(20_000));
    let cmd = r
        .sim
        .commands()
        .into_iter()
        .find(|c| c.command == "PurchaseCancel")
        .unwrap();
    assert_eq!(cmd.timeout_seconds, 85);
    assert_eq!(
        cmd.params["requestId"], "R1",
        "a new request id, never the purchase's"
    );
    assert_eq!(
        cmd.params["acquirerInfo"]["acquirerMetaData"],
        a.vendor_data["acquirerMetaData"]
    );
    let log = r.sim.transactions();
    assert_eq!(log[0].cancelled_by.as_deref(), Some("R1"));
    assert!(matches!(log[1].result, TxResult::Approved { .. }));

    let q = RefundQuery {
        request: refund_of(&a, "R1", 20_000, 20_000),
        terminal_refund_id: None,
    };
    let status = r.kicc.inquire_refund(&q).await.unwrap();
    assert!(matches!(status, RefundStatus::Succeeded(_)), "{status:?}");
    r.sim.stop().await;
}

#[tokio::test]
async fn refunds_the_device_refuses_are_declines_and_partial_ones_are_not_sent() {
    let r = rig().await;
    let a = paid(&r, 20_000).await;
    let partial = r.kicc.refund(&refund_of(&a, "R0", 20_000, 5_000)).await;
    assert!(
        matches!(partial, Err(RequestError::Unsupported(_))),
        "{partial:?}"
    );
    assert!(!r
        .sim
        .commands()
        .iter()
        .any(|c| c.command == "PurchaseCancel"));

    r.sim
        .push_scenario(Scenario::BusinessFail(BusinessCode::ProcessFail));
    let refused = r
        .kicc
        .refund(&refund_of(&a, "R1", 20_000, 20_000))
        .await
        .unwrap();
    assert!(matches!(refused, RefundOutcome::Declined(ref d) if d.code == "PROCESS_FAIL"));
    assert!(
        r.sim.transactions()[0].cancelled_by.is_none(),
        "still charged"
    );

    let ok = r
        .kicc
        .refund(&refund_of(&a, "R2", 20_000, 20_000))
        .await
        .unwrap();
    assert!(matches!(ok, RefundOutcome::Approved(_)), "{ok:?}");
    let twice = r
        .kicc
        .refund(&refund_of(&a, "R3", 20_000, 20_000))
        .await
        .unwrap();
    assert!(matches!(twice, RefundOutcome::Declined(ref d) if d.code == "ORDER_IS_CANCELED"));
    let q = RefundQuery {
        request: refund_of(&a, "R3", 20_000, 20_000),
        terminal_refund_id: None,
    };
    let status = r.kicc.inquire_refund(&q).await.unwrap();
    assert!(matches!(status, RefundStatus::Failed(_)), "{status:?}");

    let mut no_meta = refund_of(&a, "R4", 20_000, 20_000);
    no_meta.payment.vendor_data["acquirerMetaData"] = serde_json::Value::Null;
    let e = r.kicc.refund(&no_meta).await.unwrap_err();
    assert!(e.to_string().contains("acquirerMetaData"), "{e}");
    r.sim.stop().await;
}

#[tokio::test]
async fn a_refund_whose_answer_is_lost_is_unknown() {
    let r = rig().await;
    let a = paid(&r, 20_000).await;
    r.sim.push_scenario(Scenario::DropAfterCharge);
    let out = r
        .kicc
        .refund(&refund_of(&a, "R1", 20_000, 20_000))
        .await
        .unwrap();
    assert!(matches!(out, RefundOutcome::Unknown { .. }), "{out:?}");
    let q = RefundQuery {
        request: refund_of(&a, "R1", 20_000, 20_000),
        terminal_refund_id: None,
    };
    let status = r.kicc.inquire_refund(&q).await.unwrap();
    assert!(
        matches!(status, RefundStatus::Succeeded(_)),
        "the device did cancel: {status:?}"
    );
    r.sim.stop().await;
}

#[tokio::test]
async fn diagnosis_reports_a_live_bridge_and_an_absent_one_as_unreachable() {
    let r = rig().await;
    let d = r.kicc.diagnose().await.unwrap();
    assert!(d.ready, "{d:?}");
    assert_eq!(d.checks.get("ping"), Some(&true));
    let caps = r.kicc.capabilities();
    assert!(caps.cancel_before_card && !caps.idempotent_pay);
    assert_eq!(caps.refunds, kassa_core::RefundRule::FullOnly);
    let port = r.sim.addr().port();
    r.sim.stop().await;

    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("bridge.key");
    kassa_sim::kicc::write_key_file(&key_file, &kassa_kicc::PairingKey::generate()).unwrap();
    let mut cfg = kicc_common::config_for_port(port, &key_file);
    cfg.timing.diagnose = std::time::Duration::from_secs(2);
    let gone = kassa_kicc::Kicc::new(cfg, std::sync::Arc::new(kassa_core::SystemClock)).unwrap();
    let e = gone.diagnose().await.unwrap_err();
    assert!(matches!(e, RequestError::Unreachable(_)), "{e:?}");
    let e = gone
        .pay(&pay_req("P9", 1_000), &NullSink)
        .await
        .unwrap_err();
    assert!(
        matches!(e, RequestError::Unreachable(_)),
        "nothing was sent: {e:?}"
    );
}

#[tokio::test]
async fn a_merchant_id_the_bridge_refuses_is_a_settings_error_before_anything_is_sent() {
    let r = rig().await;
    r.sim.require_merchant("M-OTHER");
    let e = r
        .kicc
        .pay(&pay_req("P1", 1_000), &NullSink)
        .await
        .unwrap_err();
    assert!(matches!(e, RequestError::Config(_)), "{e:?}");
    assert!(
        e.to_string().contains("M-KASSA-01"),
        "names the merchant id to fix: {e}"
    );
    assert!(r.sim.commands().is_empty(), "no command went out");
    r.sim.stop().await;
}

#[tokio::test]
async fn after_the_bridge_drops_an_idle_connection_the_next_purchase_reconnects() {
    let r = rig().await;
    let first = r.kicc.pay(&pay_req("P1", 1_000), &NullSink).await.unwrap();
    assert!(matches!(first, PayOutcome::Approved(_)));
    r.sim.disconnect_all();
    let sink = VecSink::default();
    let second = r.kicc.pay(&pay_req("P2", 2_000), &sink).await.unwrap();
    assert!(
        matches!(second, PayOutcome::Approved(_)),
        "not unknown: {second:?}"
    );
    assert_eq!(seen(&sink.events()), happy_events());
    assert_agrees(&r.sim, "P2", &second);
    r.sim.stop().await;
}
