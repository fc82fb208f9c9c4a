//! Acceptance: the Antom N950 on a USB cable. There is no USB bus on the build machines, so the
//! terminal is the byte-level fake device of `kassa_antom::usb::fake`, whose far side is the
//! simulator's USB device side (`kassa_sim::antom`): real frames, real RSA and AES, the same
//! store and behaviours as the LAN simulator. The application service runs in-process with the
//! driver over the fake bus; kassactl is run for the set-up commands.
//!
//! Every test checks what the ledger says against what the terminal did (its payments and
//! refunds), so a charge is never recorded as failed nor a failure as paid.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use kassa_acceptance::{vector as read, vectors_dir, Ctl};
use kassa_antom::protocol::{Envelope, PrivateKey, PublicKey};
use kassa_antom::usb::fake::{DeviceId, FakeBus, FakeDevice};
use kassa_antom::usb::{AntomUsbConfig, UsbOptions};
use kassa_antom::Antom;
use kassa_app::{ManualRefund, OpenOptions, RefundCommand, SaleItem, SaleRequest, Service};
use kassa_core::{
    AttemptState, Currency, EventSink, Phase, RefundRule, SystemClock, TaxRate, TerminalEvent,
    Timing,
};
use kassa_sim::antom::{
    AntomSim, AntomSimHandle, Behaviour, SimConfig, SimPaymentStatus, UsbTerminal,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SN: &str = "N950SN0001";

/// Call timeouts that never cut off an answer, however slow the machine (both ends do
/// RSA-2048); recovery asks every 20 ms, and its window is far longer than the few inquiries
/// the returning terminal needs. Nothing waits them out unless a test shortens one.
fn timing() -> Timing {
    Timing {
        diagnose: Duration::from_secs(30),
        pay: Duration::from_secs(30),
        inquiry: Duration::from_secs(30),
        refund: Duration::from_secs(30),
        poll_interval: Duration::from_millis(20),
        recovery_window: Duration::from_secs(60),
    }
}

/// Quick polling; the fake re-enumerates on a bus scan, and the simulator answers the ping at
/// once, so the waits are only bounds no outcome depends on.
fn usb_options() -> UsbOptions {
    UsbOptions {
        reenumerate_wait: Duration::from_secs(30),
        poll_interval: Duration::from_millis(1),
        ping_timeout: Duration::from_secs(30),
    }
}

/// One N950: the simulator, cabled to the fake bus, and a service using it as `counter`.
struct Rig {
    sim: AntomSimHandle,
    bus: FakeBus,
    device: DeviceId,
    usb: UsbTerminal,
    svc: Service,
    _dir: tempfile::TempDir,
}

fn config(sim: &AntomSimHandle, lan_refunds: bool) -> AntomUsbConfig {
    AntomUsbConfig {
        serial: None,
        client_id: SN.into(),
        pos_key_path: vectors_dir().join("pos_private_key_pkcs8.pem"),
        terminal_key_path: vectors_dir().join("terminal_public_key.pem"),
        envelope: Envelope::Ecb,
        customer_mode: false,
        payment_method: "CARD".into(),
        timing: timing(),
        lan_host: lan_refunds.then(|| "127.0.0.1".to_string()),
        lan_port: sim.addr().port(),
    }
}

async fn rig(device: FakeDevice, lan_refunds: bool) -> Rig {
    let sim = AntomSim::start(SimConfig::new(
        SN,
        PublicKey::from_pem(&read("pos_public_key.pem")).unwrap(),
        PrivateKey::from_pem(&read("terminal_private_key_pkcs8.pem")).unwrap(),
    ))
    .await
    .unwrap();
    let bus = FakeBus::new();
    let end = bus.plug(device);
    let device = end.id;
    let usb = sim.attach_usb(end);
    let cfg = config(&sim, lan_refunds);
    let dir = tempfile::tempdir().unwrap();
    let (svc, _) = Service::start(OpenOptions::new(dir.path().join("kassa.db")))
        .await
        .unwrap();
    // Stored as any USB terminal is (its libusb driver opens nothing until used) ...
    svc.add_terminal(
        "counter",
        "antom-usb",
        serde_json::to_value(&cfg).unwrap(),
        true,
        "manager",
    )
    .unwrap();
    // ... then the same driver over the fake bus instead of libusb.
    let driver = Antom::usb_with_backend(
        cfg,
        Arc::new(bus.clone()),
        usb_options(),
        Arc::new(SystemClock),
    )
    .unwrap();
    svc.set_driver("counter", Arc::new(driver));
    Rig {
        sim,
        bus,
        device,
        usb,
        svc,
        _dir: dir,
    }
}

impl Rig {
    async fn stop(self) {
        self.bus.shutdown();
        self.usb.shutdown().await;
        self.sim.shutdown().await;
    }
}

/// What the payment dialog was shown.
#[derive(Default)]
struct Screen(Mutex<Vec<TerminalEvent>>);

impl EventSink for Screen {
    fn emit(&self, e: TerminalEvent) {
        self.0.lock().unwrap().push(e);
    }
}

fn sale(amount: i64) -> SaleRequest {
    SaleRequest {
        terminal: None,
        currency: Currency::KRW,
        items: vec![SaleItem {
            name: "Latte".into(),
            unit_price_minor: amount,
            quantity: 1,
            tax: TaxRate::NONE,
        }],
        cashier: "cashier".into(),
        installments: 0,
    }
}

/// The seed's handshake is six control transfers.
const HANDSHAKE: usize = 6;

#[tokio::test]
async fn a_sale_over_usb_is_switched_signed_encrypted_and_approved() {
    let r = rig(FakeDevice::n950("35000001"), false).await;
    let report = r.svc.sale(sale(4500), &Screen::default()).await.unwrap();
    assert_eq!(report.status, AttemptState::Succeeded, "{}", report.message);
    let charged = r.sim.payments();
    assert_eq!(charged.len(), 1);
    assert_eq!(charged[0].status, SimPaymentStatus::Success);
    assert_eq!(charged[0].amount, 4500);
    assert_eq!(
        report.payment_id.as_deref(),
        Some(charged[0].payment_id.as_str())
    );
    assert_eq!(charged[0].payment_request_id, report.payment_request_id);
    // Switched once with the seed's bytes; diagnosis and pay over the same link.
    assert_eq!(r.bus.control_log(r.device).len(), HANDSHAKE);
    assert!(r.bus.in_accessory_mode(r.device));
    // Diagnosis, pay, and the inquiry that confirms an approval echoing neither id nor amount.
    assert_eq!(r.usb.requests(), 3);
    assert_eq!(r.usb.rejected(), 0);
    r.stop().await;
}

#[tokio::test]
async fn unplugged_mid_payment_the_attempt_is_unknown_until_recovery_asks_over_usb() {
    // Pulled after the charge (the simulator's drop-after-charge on USB); it is found again
    // on the third bus scan, in normal mode, as a real N950 comes back.
    let device = FakeDevice {
        comes_back_after_scans: Some(3),
        ..FakeDevice::n950("35000001")
    };
    let r = rig(device, false).await;
    r.sim.push(Behaviour::DropAfterCharge);
    let screen = Screen::default();
    let report = r.svc.sale(sale(12500), &screen).await.unwrap();

    // The card was charged once, and the ledger knows it.
    let charged = r.sim.payments();
    assert_eq!(charged.len(), 1);
    assert_eq!(charged[0].status, SimPaymentStatus::Success);
    assert_eq!(report.status, AttemptState::Succeeded, "{}", report.message);
    assert_eq!(
        report.payment_id.as_deref(),
        Some(charged[0].payment_id.as_str())
    );

    // The journal: sent, then unknown (connection lost), then approved by recovery.
    let detail = r.svc.order_detail(&report.order_id).unwrap();
    let journal = &detail.attempts[0].journal;
    let states: Vec<AttemptState> = journal.iter().map(|j| j.to).collect();
    let unknown = states.iter().position(|s| *s == AttemptState::Unknown);
    let succeeded = states.iter().position(|s| *s == AttemptState::Succeeded);
    assert!(
        matches!((unknown, succeeded), (Some(u), Some(s)) if u < s),
        "{states:?}"
    );
    let lost = journal
        .iter()
        .find(|j| j.to == AttemptState::Unknown)
        .unwrap();
    assert!(
        lost.detail.to_string().contains("disconnected"),
        "{}",
        lost.detail
    );

    // Recovery had to ask more than once: the terminal was away for the first inquiries.
    let tries = screen
        .0
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e.phase {
            Phase::Recovering { tries, .. } => Some(tries),
            _ => None,
        })
        .max();
    assert!(tries.is_some_and(|t| t >= 2), "{tries:?}");
    // It came back in normal mode and was switched again.
    assert_eq!(r.bus.control_log(r.device).len(), 2 * HANDSHAKE);
    r.stop().await;
}

/// The rules above the transport are the LAN driver's: an answer whose signature does not
/// verify, or that does not come in time, is never taken — the attempt goes to recovery, which
/// settles it by inquiry over the same USB link.
#[tokio::test]
async fn untrustworthy_or_late_answers_over_usb_go_to_recovery_and_charge_once() {
    // Only the held answer needs a short pay timeout: the badly signed one must arrive before
    // it, or it would be lost as a timeout.
    let late = Timing {
        pay: Duration::from_millis(1500),
        ..timing()
    };
    for (behaviour, reason, call_timing) in [
        (Behaviour::BadSignature, "bad-signature", timing()),
        // Held far beyond the call's timeout; the device answers other requests meanwhile.
        (
            Behaviour::DelayAnswer(Duration::from_secs(120)),
            "timeout",
            late,
        ),
    ] {
        let r = rig(FakeDevice::n950_in_accessory("35000001", 0x2D00), false).await;
        let driver = Antom::usb_with_backend(
            AntomUsbConfig {
                timing: call_timing,
                ..config(&r.sim, false)
            },
            Arc::new(r.bus.clone()),
            usb_options(),
            Arc::new(SystemClock),
        )
        .unwrap();
        r.svc.set_driver("counter", Arc::new(driver));
        r.sim.push(behaviour);
        let report = r.svc.sale(sale(3000), &Screen::default()).await.unwrap();
        assert_eq!(
            report.status,
            AttemptState::Succeeded,
            "{reason}: {}",
            report.message
        );
        assert_eq!(r.sim.payments().len(), 1, "{reason}");
        let detail = r.svc.order_detail(&report.order_id).unwrap();
        let lost = detail.attempts[0]
            .journal
            .iter()
            .find(|j| j.to == AttemptState::Unknown)
            .unwrap_or_else(|| panic!("{reason}: never unknown"));
        assert!(
            lost.detail.to_string().contains(reason),
            "{reason}: {}",
            lost.detail
        );
        r.stop().await;
    }
}

#[tokio::test]
async fn refunds_go_over_the_lan_when_the_usb_terminal_refuses_them_and_has_an_address() {
    let r = rig(FakeDevice::n950_in_accessory("35000001", 0x2D00), true).await;
    r.sim.set_usb_refunds(false);
    let paid = r.svc.sale(sale(8000), &Screen::default()).await.unwrap();
    assert_eq!(paid.status, AttemptState::Succeeded);
    let driver = r.svc.driver("counter").unwrap();
    assert_eq!(driver.capabilities().refunds, RefundRule::FullOnly);
    let over_usb = r.usb.requests();
    let refund = r
        .svc
        .refund(RefundCommand {
            payment: paid.order_id.clone(),
            amount_minor: None,
            reason: "returned".into(),
            actor: "manager".into(),
        })
        .await
        .unwrap();
    assert_eq!(refund.status, AttemptState::Succeeded);
    let refunds = r.sim.refunds();
    assert_eq!(refunds.len(), 1);
    assert_eq!(
        refund.refund_id.as_deref(),
        Some(refunds[0].refund_id.as_str())
    );
    assert_eq!(
        r.usb.requests(),
        over_usb + 1,
        "refused over USB once, then refunded over the LAN"
    );
    r.stop().await;
}

#[tokio::test]
async fn refunds_go_over_the_cable_when_the_usb_terminal_takes_them() {
    let r = rig(FakeDevice::n950_in_accessory("35000001", 0x2D00), false).await;
    let paid = r.svc.sale(sale(8000), &Screen::default()).await.unwrap();
    assert_eq!(paid.status, AttemptState::Succeeded);
    let over_usb = r.usb.requests();
    let refund = r
        .svc
        .refund(RefundCommand {
            payment: paid.order_id.clone(),
            amount_minor: None,
            reason: "returned".into(),
            actor: "manager".into(),
        })
        .await
        .unwrap();
    assert_eq!(refund.status, AttemptState::Succeeded);
    assert_eq!(r.sim.refunds().len(), 1);
    assert_eq!(
        r.usb.requests(),
        over_usb + 1,
        "the refund travelled over USB"
    );
    r.stop().await;
}

#[tokio::test]
async fn without_a_lan_address_refunds_the_cable_refuses_are_done_on_the_terminal_and_recorded() {
    let r = rig(FakeDevice::n950_in_accessory("35000001", 0x2D00), false).await;
    r.sim.set_usb_refunds(false);
    let paid = r.svc.sale(sale(8000), &Screen::default()).await.unwrap();
    assert_eq!(paid.status, AttemptState::Succeeded);
    let driver = r.svc.driver("counter").unwrap();
    assert_eq!(driver.capabilities().refunds, RefundRule::FullOnly);
    let refused = r
        .svc
        .refund(RefundCommand {
            payment: paid.order_id.clone(),
            amount_minor: None,
            reason: "returned".into(),
            actor: "manager".into(),
        })
        .await;
    assert!(
        !matches!(refused, Ok(ref rep) if rep.status == AttemptState::Succeeded),
        "{refused:?}"
    );
    assert!(r.sim.refunds().is_empty(), "nothing was refunded");
    let recorded = r
        .svc
        .record_manual_refund(ManualRefund {
            payment: paid.order_id.clone(),
            amount_minor: None,
            terminal_ref: "DSTORE-REF-1".into(),
            reason: "returned".into(),
            actor: "manager".into(),
        })
        .unwrap();
    assert_eq!(recorded.status, AttemptState::Succeeded);
    assert!(r.sim.refunds().is_empty());
    r.stop().await;
}

#[test]
fn kassactl_adds_usb_terminals_and_lists_the_bus_without_a_ledger() {
    let c = Ctl::new();
    let v = vectors_dir();
    let pos = v.join("pos_private_key_pkcs8.pem").display().to_string();
    let term = v.join("terminal_public_key.pem").display().to_string();
    let base = [
        "--client-id",
        SN,
        "--pos-key",
        pos.as_str(),
        "--terminal-key",
        term.as_str(),
    ];
    let mut add: Vec<&str> = vec!["terminal", "add", "antom-usb", "--name", "usb"];
    add.extend(base);
    let run = c.run(&add);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut add_lan: Vec<&str> = vec!["terminal", "add", "antom-usb", "--name", "usb-lan"];
    add_lan.extend(base);
    add_lan.extend(["--lan-host", "192.0.2.10", "--serial", "35000001"]);
    let run = c.run(&add_lan);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let list = c.run(&["terminal", "list"]);
    let terminals = list.result().as_array().unwrap().clone();
    let refunds = |name: &str| {
        terminals
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| (t["kind"].clone(), t["capabilities"]["refunds"].clone()))
            .unwrap()
    };
    assert_eq!(refunds("usb"), ("antom-usb".into(), "full-only".into()));
    assert_eq!(refunds("usb-lan"), ("antom-usb".into(), "full-only".into()));

    // Listing the bus opens no ledger. This machine may or may not have USB: either a list,
    // or a configuration error that says USB cannot be used here.
    let other = Ctl::new();
    let run = other.run(&["usb", "list"]);
    match run.code {
        0 => assert!(run.result().is_array(), "{}", run.stdout),
        2 => assert!(
            run.stdout.contains("USB cannot be used on this computer"),
            "{}",
            run.stdout
        ),
        code => panic!("exit {code}: {} {}", run.stdout, run.stderr),
    }
    assert!(!other.db().exists(), "usb list created a ledger");
}
