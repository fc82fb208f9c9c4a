//! Refunds against the simulator: Customer Mode rules, idempotent recovery, one in flight.

use crate::common::*;
use kassa_antom::protocol::Envelope;
use kassa_core::{
    InquiryError, NullSink, PayOutcome, PaymentRef, RefundOutcome, RefundQuery, RefundRequest,
    RefundStatus, RequestError, RequestId, Terminal, UnknownReason,
};
use kassa_sim::antom::RefundBehaviour;

/// Pays `minor` as `id` and returns what the ledger would keep about it.
async fn paid(r: &Rig, id: &str, minor: i64) -> PaymentRef {
    let PayOutcome::Approved(a) = r.driver.pay(&pay_req(id, minor), &NullSink).await.unwrap()
    else {
        panic!("payment not approved")
    };
    PaymentRef {
        request_id: RequestId::parse(id).unwrap(),
        terminal_payment_id: a.terminal_payment_id,
        amount: a.amount,
        vendor_data: a.vendor_data,
    }
}

fn refund(id: &str, payment: &PaymentRef, minor: i64) -> RefundRequest {
    RefundRequest {
        refund_request_id: RequestId::parse(id).unwrap(),
        payment: payment.clone(),
        amount: krw(minor),
        reason: "customer returned it".into(),
    }
}

#[tokio::test]
async fn customer_mode_off_full_refunds_only_partial_never_leaves_the_till() {
    let r = rig(Envelope::Gcm, false).await;
    let p = paid(&r, "P1", 10000).await;
    let e = r.driver.refund(&refund("R1", &p, 4000)).await.unwrap_err();
    assert!(
        matches!(e, RequestError::Unsupported(ref m) if m.contains("D-store")),
        "{e}"
    );
    assert!(
        r.sim.refunds().is_empty(),
        "the partial refund was not sent"
    );
    let out = r.driver.refund(&refund("R2", &p, 10000)).await.unwrap();
    let RefundOutcome::Approved(a) = out else {
        panic!("{out:?}")
    };
    let refunds = r.sim.refunds();
    assert_eq!(refunds.len(), 1);
    assert_eq!(
        (
            refunds[0].refund_id.as_str(),
            refunds[0].amount,
            refunds[0].partial
        ),
        (a.terminal_refund_id.as_str(), 10000, false)
    );
    // Refunding a fully refunded payment again is declined by the terminal.
    let again = r.driver.refund(&refund("R3", &p, 10000)).await.unwrap();
    assert!(
        matches!(again, RefundOutcome::Declined(ref d) if d.code == "DPOS_PAYMENT_ORDER_IS_CLOSED"),
        "{again:?}"
    );
    r.sim.shutdown().await;
}

#[tokio::test]
async fn customer_mode_on_allows_one_partial_refund() {
    for envelope in [Envelope::Gcm, Envelope::Ecb] {
        let r = rig(envelope, true).await;
        let p = paid(&r, "P1", 10000).await;
        assert!(matches!(
            r.driver.refund(&refund("R1", &p, 4000)).await.unwrap(),
            RefundOutcome::Approved(_)
        ));
        let second = r.driver.refund(&refund("R2", &p, 1000)).await.unwrap();
        assert!(
            matches!(second, RefundOutcome::Declined(ref d) if d.code == "DPOS_PAYMENT_ORDER_STATUS_INVALID"),
            "{second:?}"
        );
        let rest = r.driver.refund(&refund("R3", &p, 10000)).await.unwrap();
        assert!(
            matches!(rest, RefundOutcome::Declined(_)),
            "more than is left: {rest:?}"
        );
        assert!(matches!(
            r.driver.refund(&refund("R4", &p, 10001)).await,
            Err(RequestError::Unsupported(_))
        ));
        let ok: Vec<_> = r
            .sim
            .refunds()
            .into_iter()
            .filter(|x| x.status == "SUCCESS")
            .collect();
        assert_eq!(ok.len(), 1);
        assert_eq!((ok[0].amount, ok[0].partial), (4000, true));
        r.sim.shutdown().await;
    }
}

#[tokio::test]
async fn declined_refund_and_refund_of_an_unknown_payment() {
    let r = rig(Envelope::Gcm, false).await;
    let p = paid(&r, "P1", 10000).await;
    r.sim
        .push_refund(RefundBehaviour::Decline("DPOS_PAYMENT_RISK_REJECT".into()));
    let out = r.driver.refund(&refund("R1", &p, 10000)).await.unwrap();
    assert!(
        matches!(out, RefundOutcome::Declined(ref d) if d.code == "DPOS_PAYMENT_RISK_REJECT"),
        "{out:?}"
    );
    let ghost = PaymentRef {
        terminal_payment_id: "NOPE".into(),
        ..p.clone()
    };
    let out = r.driver.refund(&refund("R2", &ghost, 10000)).await.unwrap();
    assert!(
        matches!(out, RefundOutcome::Declined(ref d) if d.code == "DPOS_PAYMENT_ORDER_NOT_EXIST")
    );
    r.sim.shutdown().await;
}

#[tokio::test]
async fn a_lost_refund_answer_is_recovered_by_resending_the_same_request() {
    let r = rig(Envelope::Gcm, true).await;
    let p = paid(&r, "P1", 10000).await;
    r.sim.push_refund(RefundBehaviour::DropAfterRefund);
    let out = r.driver.refund(&refund("R1", &p, 3000)).await.unwrap();
    let RefundOutcome::Unknown {
        reason: UnknownReason::ConnectionLost(_),
        terminal_refund_id: None,
    } = out
    else {
        panic!("{out:?}")
    };
    let q = RefundQuery {
        request: refund("R1", &p, 3000),
        terminal_refund_id: None,
    };
    let s = r.driver.inquire_refund(&q).await.unwrap();
    let RefundStatus::Succeeded(a) = s else {
        panic!("{s:?}")
    };
    let refunds = r.sim.refunds();
    assert_eq!(refunds.len(), 1, "refunded once, not twice");
    assert_eq!(
        r.sim.calls("/v2/payments/inquiryRefund"),
        1,
        "the re-sent refund's S was confirmed by inquiryRefund"
    );
    assert_eq!(a.terminal_refund_id, refunds[0].refund_id);
    // With the id now known, inquiryRefund answers the same.
    let by_id = RefundQuery {
        request: refund("R1", &p, 3000),
        terminal_refund_id: Some(a.terminal_refund_id.clone()),
    };
    assert!(matches!(
        r.driver.inquire_refund(&by_id).await,
        Ok(RefundStatus::Succeeded(_))
    ));
    // The same request id with another amount is not this refund.
    let other = RefundQuery {
        request: refund("R1", &p, 2000),
        terminal_refund_id: None,
    };
    assert!(matches!(
        r.driver.inquire_refund(&other).await,
        Err(InquiryError::Untrustworthy(UnknownReason::Mismatch(_)))
    ));
    assert_eq!(r.sim.refunds().len(), 1);
    r.sim.shutdown().await;
}

#[tokio::test]
async fn an_f_to_the_resent_refund_proves_nothing_the_refund_stays_unknown() {
    // A terminal without refund idempotency: the first refund took the money, its answer was
    // lost, and the repeat of the same refundRequestId is refused.
    let r = rig(Envelope::Ecb, false).await;
    let p = paid(&r, "P1", 10000).await;
    r.sim.push_refund(RefundBehaviour::DropThenRefuseRepeats);
    let out = r.driver.refund(&refund("R1", &p, 10000)).await.unwrap();
    assert!(
        matches!(
            out,
            RefundOutcome::Unknown {
                terminal_refund_id: None,
                ..
            }
        ),
        "{out:?}"
    );
    let q = RefundQuery {
        request: refund("R1", &p, 10000),
        terminal_refund_id: None,
    };
    let s = r.driver.inquire_refund(&q).await;
    assert!(
        matches!(s, Err(InquiryError::Untrustworthy(UnknownReason::NotFinal(ref m)))
            if m.contains("DPOS_PAYMENT_ORDER_IS_CLOSED")),
        "never failed: {s:?}"
    );
    let refunds = r.sim.refunds();
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].status, "SUCCESS", "the money did go back");
    // Once its id is known (a manager reads it off the terminal), inquiryRefund settles it.
    let by_id = RefundQuery {
        request: refund("R1", &p, 10000),
        terminal_refund_id: Some(refunds[0].refund_id.clone()),
    };
    assert!(matches!(
        r.driver.inquire_refund(&by_id).await,
        Ok(RefundStatus::Succeeded(_))
    ));
    r.sim.shutdown().await;
}

#[tokio::test]
async fn one_refund_in_flight_per_payment() {
    let r = rig_with(Envelope::Gcm, true, |c| c.timing.refund = SHORT).await;
    let p = paid(&r, "P1", 10000).await;
    r.sim.push_refund(RefundBehaviour::Hold(LONG));
    let out = r.driver.refund(&refund("R1", &p, 3000)).await.unwrap();
    assert!(
        matches!(
            out,
            RefundOutcome::Unknown {
                reason: UnknownReason::Timeout,
                ..
            }
        ),
        "{out:?}"
    );
    until("the held refund", || !r.sim.refunds().is_empty()).await;
    // The rest goes through a driver with the normal timeouts: only the held call should time out.
    let driver = kassa_antom::AntomLan::new(
        driver_config(r.sim.addr().port(), Envelope::Gcm, true),
        std::sync::Arc::new(kassa_core::SystemClock),
    )
    .unwrap();
    let second = driver.refund(&refund("R2", &p, 10000)).await.unwrap();
    assert!(
        matches!(second, RefundOutcome::Declined(ref d) if d.code == "DPOS_PAYMENT_ORDER_STATUS_INVALID"),
        "{second:?}"
    );
    let q = RefundQuery {
        request: refund("R1", &p, 3000),
        terminal_refund_id: None,
    };
    assert_eq!(driver.inquire_refund(&q).await, Ok(RefundStatus::Pending));
    let id = r.sim.refunds()[0].refund_id.clone();
    let by_id = RefundQuery {
        request: refund("R1", &p, 3000),
        terminal_refund_id: Some(id),
    };
    assert_eq!(
        driver.inquire_refund(&by_id).await,
        Ok(RefundStatus::Pending)
    );
    r.sim.shutdown().await;
}
