//! What a `query_order` answer may mean (docs/protocols.md §4.3): only the cloud's own words
//! for a missing order are "not found"; a failing or busy cloud keeps the attempt unknown. And
//! the pre-flight check, which must not need the cloud to sign its business failures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

mod common;

use common::{
    pay_request, query, recover, rig, rig_with, signed_body, RawPeer, Recovered, Reply, KEY, MCH_ID,
};
use kassa_core::{
    InquiryError, PayOutcome, PaymentStatus, Secret, Terminal, UnknownReason, VecSink,
};
use kassa_sim::iotpay::{Behaviour, IotPaySim, SimConfig};
use serde_json::json;

async fn sim() -> IotPaySim {
    IotPaySim::start(SimConfig::new(MCH_ID, KEY)).await.unwrap()
}

/// The cloud charged the card, the answer was lost, and then every query fails with a signed
/// `resCode` FAIL (`SYSTEMERROR`). Read as "no such order", recovery would end the attempt as
/// failed and retryable, and the customer would pay twice.
#[tokio::test]
async fn a_busy_cloud_keeps_a_charged_attempt_unknown_and_never_not_found() {
    let sim = sim().await;
    sim.push(Behaviour::ResetAfterCharge);
    let r = rig(&sim.base_url());
    let out = r
        .driver
        .pay(&pay_request("Q1", 2865), &VecSink::default())
        .await
        .unwrap();
    assert!(
        matches!(
            out,
            PayOutcome::Unknown {
                reason: UnknownReason::ConnectionLost(_)
            }
        ),
        "{out:?}"
    );
    assert_eq!(sim.paid_count(), 1);

    sim.fail_queries(1_000);
    let once = r.driver.inquire_payment(&query("Q1", 2865)).await;
    assert!(
        matches!(
            once,
            Err(InquiryError::Untrustworthy(UnknownReason::NotFinal(ref m))) if m.contains("SYSTEMERROR")
        ),
        "{once:?}"
    );
    // Across the whole window: never "not found", so a manager decides.
    match recover(&r, &query("Q1", 2865)).await {
        Recovered::NeedsManager { last, .. } => assert!(
            matches!(last, Err(InquiryError::Untrustworthy(_))),
            "{last:?}"
        ),
        other => panic!("{other:?}"),
    }
    // Once the cloud answers again, the payment is found.
    sim.fail_queries(0);
    match recover(&r, &query("Q1", 2865)).await {
        Recovered::Settled {
            status: PaymentStatus::Succeeded(a),
            tries: 1,
        } => assert_eq!(a.amount.minor, 2865),
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.orders().len(), 1);
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn the_simulated_clouds_answer_for_a_missing_order_is_not_found() {
    let sim = sim().await;
    let r = rig(&sim.base_url());
    assert_eq!(
        r.driver
            .inquire_payment(&query("NEVER_SENT", 100))
            .await
            .unwrap(),
        PaymentStatus::NotFound
    );
    sim.stop().await.unwrap();
}

/// Signed `resCode` FAIL answers, byte for byte: which words count as "no such order".
#[tokio::test]
async fn only_the_words_for_a_missing_order_count_as_not_found() {
    let fail = |extra: serde_json::Value| {
        let mut v = json!({"retCode": "SUCCESS", "resCode": "FAIL"});
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        v
    };
    let not_found = [
        fail(json!({"errCode": "ORDERNOTEXIST", "errCodeDes": "order not exist"})),
        fail(json!({"errCode": "", "retMsg": "Order does not exist."})),
        fail(json!({"retMsg": "order not exist"})),
    ];
    let unknown = [
        fail(json!({"errCode": "SYSTEMERROR", "errCodeDes": "system error"})),
        fail(json!({"errCode": "SYSTEMERROR", "errCodeDes": "order not exist"})),
        fail(json!({"retMsg": "mchOrderNo not exist for this merchant, or the system is busy"})),
        fail(json!({})),
    ];
    for (body, want_not_found) in not_found
        .iter()
        .map(|b| (b, true))
        .chain(unknown.iter().map(|b| (b, false)))
    {
        let peer = RawPeer::start(Reply::Http(200, signed_body(body.clone(), KEY))).await;
        let r = rig(&peer.base_url());
        let got = r.driver.inquire_payment(&query("Q2", 100)).await;
        if want_not_found {
            assert_eq!(got, Ok(PaymentStatus::NotFound), "{body}");
        } else {
            assert!(
                matches!(
                    got,
                    Err(InquiryError::Untrustworthy(UnknownReason::NotFinal(_)))
                ),
                "{body}: {got:?}"
            );
        }
        peer.stop();
    }
    // The right words without a signature prove nothing: unknown.
    let unsigned = json!({"retCode": "SUCCESS", "resCode": "FAIL", "errCode": "ORDERNOTEXIST"});
    let peer = RawPeer::start(Reply::Http(200, unsigned.to_string())).await;
    let r = rig(&peer.base_url());
    let got = r.driver.inquire_payment(&query("Q2", 100)).await;
    assert!(
        matches!(
            got,
            Err(InquiryError::Untrustworthy(UnknownReason::BadSignature(_)))
        ),
        "{got:?}"
    );
    peer.stop();
}

/// A cloud that does not sign its business failures: the check passes with the right key
/// (the cloud accepted the request's signature) and fails with a wrong one ("signature fail").
#[tokio::test]
async fn the_check_passes_when_business_failures_come_unsigned() {
    let mut cfg = SimConfig::new(MCH_ID, KEY);
    cfg.sign_failures = false;
    let sim = IotPaySim::start(cfg).await.unwrap();

    let r = rig(&sim.base_url());
    let d = r.driver.diagnose().await.unwrap();
    assert!(d.ready, "{d:?}");
    assert_eq!(d.checks.get("merchant_key_accepted"), Some(&true));
    // The sale then goes through.
    let out = r
        .driver
        .pay(&pay_request("Q3", 100), &VecSink::default())
        .await
        .unwrap();
    assert!(matches!(out, PayOutcome::Approved(_)), "{out:?}");
    // An unsigned "no such order" is not trusted: recovery would keep the attempt unknown.
    assert!(matches!(
        r.driver.inquire_payment(&query("NEVER_SENT", 100)).await,
        Err(InquiryError::Untrustworthy(UnknownReason::BadSignature(_)))
    ));

    let wrong = rig_with(
        &sim.base_url(),
        "not-the-key",
        kassa_iotpay::default_timing(),
    );
    let d = wrong.driver.diagnose().await.unwrap();
    assert!(!d.ready, "{d:?}");
    assert_eq!(d.checks.get("merchant_key_accepted"), Some(&false));
    assert!(
        d.detail.contains("signature fail") && d.detail.contains("key"),
        "{}",
        d.detail
    );
    sim.stop().await.unwrap();
}

/// The same check against a cloud that signs everything, and one that does not know the
/// merchant id.
#[tokio::test]
async fn the_check_refuses_a_wrong_key_or_merchant_and_accepts_the_right_ones() {
    let sim = sim().await;
    let d = rig(&sim.base_url()).driver.diagnose().await.unwrap();
    assert!(d.ready, "{d:?}");
    assert_eq!(d.checks.get("answer_signature_valid"), Some(&true));

    let wrong = rig_with(
        &sim.base_url(),
        "not-the-key",
        kassa_iotpay::default_timing(),
    );
    let d = wrong.driver.diagnose().await.unwrap();
    assert!(!d.ready && d.detail.contains("signature fail"), "{d:?}");
    sim.stop().await.unwrap();

    let other = IotPaySim::start(SimConfig::new("99999999", KEY))
        .await
        .unwrap();
    let d = rig(&other.base_url()).driver.diagnose().await.unwrap();
    assert!(
        !d.ready && d.detail.contains("merchant does not exist"),
        "{d:?}"
    );
    other.stop().await.unwrap();
}

/// The simulated cloud answers `query_order` flat (no `payOrder`), as the real one does; the
/// driver reads the order's fields at the top level and checks their signature.
#[tokio::test]
async fn query_answers_are_flat_and_read_as_such() {
    let sim = sim().await;
    sim.push(Behaviour::Timeout { hold_ms: 60_000 });
    let r = rig_with(&sim.base_url(), KEY, common::short_pay_timing());
    let out = r
        .driver
        .pay(&pay_request("Q4", 1250), &VecSink::default())
        .await
        .unwrap();
    assert_eq!(
        out,
        PayOutcome::Unknown {
            reason: UnknownReason::Timeout
        }
    );
    let raw = reqwest::Client::new()
        .post(format!("{}/query_order", sim.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            kassa_iotpay::form_body(
                &json!({"mchId": MCH_ID, "mchOrderNo": "Q4"}),
                &Secret::new(KEY.to_string()),
            )
            .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert!(v.get("payOrder").is_none(), "{raw}");
    assert_eq!(v["status"], 2, "{raw}");
    assert_eq!(v["amount"], 1250, "{raw}");

    let PaymentStatus::Succeeded(a) = r.driver.inquire_payment(&query("Q4", 1250)).await.unwrap()
    else {
        panic!("not paid")
    };
    // A flat answer has no payOrderId: the order is named by its mchOrderNo.
    assert_eq!(a.terminal_payment_id, "Q4");
    assert_eq!(a.receipt.masked_pan.as_deref(), Some("XXXXXXXXXXXX1166"));
    assert!(!serde_json::to_string(&a).unwrap().contains("expireDate"));
    sim.stop().await.unwrap();
}
