//! Refunds of an N950 on the USB cable (docs/protocols.md §1.6): over the cable with
//! `originalMerchantRefundId`; where the terminal refuses them there, over its LAN address;
//! without one, refused for a manager to do on the terminal.

use crate::common::*;
use kassa_antom::protocol::Envelope;
use kassa_antom::usb::fake::{FakeBus, FakeDevice};
use kassa_antom::usb::{AntomUsb, AntomUsbConfig, UsbOptions};
use kassa_antom::Antom;
use kassa_core::{
    InquiryError, NullSink, PayOutcome, PaymentRef, RefundOutcome, RefundQuery, RefundRequest,
    RefundRule, RefundStatus, RequestError, RequestId, SystemClock, Terminal,
};
use kassa_sim::antom::{AntomSim, AntomSimHandle, UsbTerminal};
use std::sync::Arc;
use std::time::Duration;

const REFUND: &str = "/v2/payments/refund";

struct UsbRig {
    sim: AntomSimHandle,
    bus: FakeBus,
    usb: UsbTerminal,
    driver: AntomUsb,
}

impl UsbRig {
    async fn stop(self) {
        self.bus.shutdown();
        self.usb.shutdown().await;
        self.sim.shutdown().await;
    }
}

/// The simulator cabled to a fake bus, and the USB driver; `lan` gives it the LAN address.
async fn usb_rig(usb_refunds: bool, lan: bool) -> UsbRig {
    let mut cfg = sim_config(Envelope::Ecb, false);
    cfg.usb_refunds = usb_refunds;
    let sim = AntomSim::start(cfg).await.unwrap();
    let bus = FakeBus::new();
    let usb = sim.attach_usb(bus.plug(FakeDevice::n950_in_accessory("35000001", 0x2D00)));
    let lan_cfg = driver_config(sim.addr().port(), Envelope::Ecb, false);
    let cfg = AntomUsbConfig {
        serial: None,
        client_id: SN.into(),
        pos_key_path: lan_cfg.pos_key_path,
        terminal_key_path: lan_cfg.terminal_key_path,
        envelope: Envelope::Ecb,
        customer_mode: false,
        payment_method: "CARD".into(),
        timing: lan_cfg.timing,
        lan_host: lan.then(|| "127.0.0.1".to_string()),
        lan_port: sim.addr().port(),
    };
    // Bounds only: the fake answers at once.
    let opts = UsbOptions {
        reenumerate_wait: Duration::from_secs(30),
        poll_interval: Duration::from_millis(1),
        ping_timeout: Duration::from_secs(30),
    };
    let driver =
        Antom::usb_with_backend(cfg, Arc::new(bus.clone()), opts, Arc::new(SystemClock)).unwrap();
    UsbRig {
        sim,
        bus,
        usb,
        driver,
    }
}

async fn paid(r: &UsbRig, id: &str, minor: i64) -> PaymentRef {
    let out = r.driver.pay(&pay_req(id, minor), &NullSink).await.unwrap();
    let PayOutcome::Approved(a) = out else {
        panic!("payment not approved: {out:?}")
    };
    PaymentRef {
        request_id: RequestId::parse(id).unwrap(),
        terminal_payment_id: a.terminal_payment_id,
        amount: a.amount,
        vendor_data: a.vendor_data,
    }
}

fn full_refund(id: &str, p: &PaymentRef) -> RefundRequest {
    RefundRequest {
        refund_request_id: RequestId::parse(id).unwrap(),
        payment: p.clone(),
        amount: p.amount,
        reason: "returned".into(),
    }
}

#[tokio::test]
async fn a_usb_terminal_refunds_over_the_cable_with_original_merchant_refund_id() {
    let r = usb_rig(true, false).await;
    assert_eq!(r.driver.capabilities().refunds, RefundRule::FullOnly);
    let p = paid(&r, "P1", 8000).await;
    let over_usb = r.usb.requests();
    // The simulator refuses a cable refund without originalMerchantRefundId.
    let out = r.driver.refund(&full_refund("R1", &p)).await.unwrap();
    let RefundOutcome::Approved(a) = out else {
        panic!("{out:?}")
    };
    let refunds = r.sim.refunds();
    assert_eq!(refunds.len(), 1);
    assert_eq!(a.terminal_refund_id, refunds[0].refund_id);
    assert_eq!(r.usb.requests(), over_usb + 1, "it travelled over USB");
    let q = RefundQuery {
        request: full_refund("R1", &p),
        terminal_refund_id: Some(a.terminal_refund_id.clone()),
    };
    assert!(matches!(
        r.driver.inquire_refund(&q).await,
        Ok(RefundStatus::Succeeded(_))
    ));
    r.stop().await;
}

#[tokio::test]
async fn where_the_cable_refuses_refunds_they_go_over_the_lan_address() {
    let r = usb_rig(false, true).await;
    let p = paid(&r, "P1", 8000).await;
    let out = r.driver.refund(&full_refund("R1", &p)).await.unwrap();
    assert!(matches!(out, RefundOutcome::Approved(_)), "{out:?}");
    assert_eq!(r.sim.refunds().len(), 1, "refunded once");
    assert_eq!(
        r.sim.calls(REFUND),
        2,
        "refused over USB, then taken over the LAN"
    );
    r.stop().await;
}

#[tokio::test]
async fn where_the_cable_refuses_refunds_and_there_is_no_lan_a_manager_refunds() {
    let r = usb_rig(false, false).await;
    let p = paid(&r, "P1", 8000).await;
    let e = r.driver.refund(&full_refund("R1", &p)).await.unwrap_err();
    assert!(
        matches!(e, RequestError::Unsupported(ref m) if m.contains("manager") && m.contains("INVALID_API")),
        "{e}"
    );
    assert!(r.sim.refunds().is_empty(), "nothing was refunded");
    let q = RefundQuery {
        request: full_refund("R1", &p),
        terminal_refund_id: None,
    };
    assert!(matches!(
        r.driver.inquire_refund(&q).await,
        Err(InquiryError::Unsupported(_))
    ));
    assert!(r.sim.refunds().is_empty());
    r.stop().await;
}
