//! Lost answers and their recovery through the service: a charge whose answer never arrived
//! is found by GetLastTransaction (once, never re-sent), a refund likewise, and a restart after
//! a crash mid-purchase reconciles before anything else. Helpers are the parent module's.

use super::*;

/// The device charged but its answer was lost three ways: recovery's GetLastTransaction finds
/// the charge, once, and the purchase is never sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_recovered_from_the_last_transaction() {
    let r = rig().await;
    let cases = [
        (Scenario::ResponseTimeout, "timeout"),
        (Scenario::DropAfterCharge, "connection-lost"),
        (Scenario::Silent, "timeout"),
    ];
    for (i, (scenario, kind)) in cases.into_iter().enumerate() {
        // Only the silent device needs a short pay timeout: the others answer, and are never
        // cut off.
        let t = if scenario == Scenario::Silent {
            silent_timing()
        } else {
            timing()
        };
        r.svc
            .add_terminal("counter", "kicc", config(&r.sim, t), true, "manager")
            .expect("set the terminal's timing");
        r.sim.push_scenario(scenario);
        let (report, screen) = sale(&r, 10_000).await;
        assert_eq!(report.status, AttemptState::Succeeded, "{scenario}");
        let seen = screen.seen();
        assert_eq!(seen[..5], happy()[..], "{scenario}");
        assert!(
            matches!(
                seen[5..],
                [(
                    _,
                    Phase::Recovering { tries: 1, .. },
                    Countdown::None,
                    false
                )]
            ),
            "{scenario}: {seen:?}"
        );
        let rid = &report.payment_request_id;
        assert_eq!(
            journal(&r, rid),
            ["begin", "diagnosed_ok", "sent", "lost", "approved"]
        );
        let lost = &r.svc.ledger().journal(rid).unwrap()[3];
        assert_eq!(lost.detail["reason"]["kind"], kind, "{scenario}");
        assert_eq!(count(&r, "Purchase"), i + 1, "never sent twice");
        assert_eq!(count(&r, "GetLastTransaction"), i + 1, "{scenario}");
    }
    assert_ledger_agrees_with_device(&r);
    r.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_cancel_the_purchase_whole_refused_and_lost_ones_included() {
    let r = rig().await;
    let (paid, _) = sale(&r, 12_000).await;
    let rid = paid.payment_request_id.clone();
    let refund = |amount_minor: Option<i64>| RefundCommand {
        payment: paid.order_id.clone(),
        amount_minor,
        reason: "returned".into(),
        actor: "manager".into(),
    };

    let partial = r.svc.refund(refund(Some(2_000))).await.unwrap_err();
    assert_eq!(partial.code(), "conflict", "{partial}");
    assert_eq!(count(&r, "PurchaseCancel"), 0, "refused before sending");

    r.sim
        .push_scenario(Scenario::BusinessFail(BusinessCode::OrderStatusInvalid));
    let refused = r.svc.refund(refund(None)).await.unwrap();
    assert_eq!(refused.status, AttemptState::Failed);
    assert_eq!(refused.decline.unwrap().code, "ORDER_STATUS_INVALID");
    assert_eq!(refused.refundable_after, "12000", "nothing was refunded");
    assert!(r.sim.transactions()[0].cancelled_by.is_none());

    r.sim.push_scenario(Scenario::DropAfterCharge); // the cancel is done, its answer lost
    let done = r.svc.refund(refund(None)).await.unwrap();
    assert_eq!(done.status, AttemptState::Succeeded, "{}", done.message);
    assert_eq!(done.refundable_after, "0");
    assert_eq!(
        r.sim.transactions()[0].cancelled_by.as_deref(),
        Some(done.refund_request_id.as_str())
    );
    assert_eq!(
        journal(&r, &done.refund_request_id),
        ["begin", "diagnosed_ok", "lost", "approved"]
    );
    assert_eq!(count(&r, "PurchaseCancel"), 2);
    assert_eq!(count(&r, "GetLastTransaction"), 1);
    assert_eq!(attempt(&r, &rid).state, AttemptState::Succeeded);
    let order = r.svc.order_detail(&paid.order_id).unwrap();
    assert_eq!(order.order.status, kassa_ledger::OrderStatus::Refunded);
    assert_ledger_agrees_with_device(&r);
    r.sim.stop().await;
}

/// The app dies while the device charges; the next start asks GetLastTransaction before it
/// takes a sale, finds the charge and records it — without sending the purchase again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_after_a_crash_mid_purchase_recovers_the_charge() {
    let long = Timing {
        pay: Duration::from_secs(60),
        ..timing()
    };
    let r = rig_with(long).await;
    r.sim.push_scenario(Scenario::Silent);
    let db = r.dir.path().join("kassa.db");
    {
        let (s, mut rx) = screen();
        let sale = r.svc.sale(sale_of(10_000), &s);
        // The "crash": the sale is dropped once the device has authorised, mid-wait.
        let crashed = tokio::select! {
            _ = sale => false,
            _ = wait_for(&mut rx, "START_TRANSACTION") => true,
        };
        assert!(crashed, "the sale ended before the crash");
    }
    // The emulator charges right after START_TRANSACTION; the bound only stops a hang.
    let charged = tokio::time::timeout(PATIENCE, async {
        while !r.sim.transactions().iter().any(approved) {
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    });
    assert!(charged.await.is_ok(), "the device charged");
    let rid = r.sim.transactions()[0].request_id.clone();
    assert_eq!(attempt(&r, &rid).state, AttemptState::Awaiting);

    let (svc, report) = Service::start(OpenOptions::new(db)).await.unwrap();
    assert_eq!(report.succeeded, vec![rid.clone()]);
    assert_eq!(
        svc.ledger().attempt(&rid).unwrap().unwrap().state,
        AttemptState::Succeeded
    );
    assert_eq!(count(&r, "Purchase"), 1, "never sent again");
    assert_eq!(count(&r, "GetLastTransaction"), 1);
    assert_ledger_agrees_with_device(&r);
    r.sim.stop().await;
}
