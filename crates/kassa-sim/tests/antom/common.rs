//! Shared set-up: a simulator and a driver that talk to it.

use kassa_antom::protocol::{Envelope, PrivateKey, PublicKey};
use kassa_antom::{AntomConfig, AntomLan};
use kassa_core::{Currency, Money, PayRequest, RequestId, SystemClock};
use kassa_sim::antom::{AntomSim, AntomSimHandle, SimConfig};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub const SN: &str = "N950SN0001";

/// The throwaway keys of `tests/vectors`.
pub fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

pub fn read(name: &str) -> String {
    std::fs::read_to_string(vectors().join(name)).unwrap()
}

pub fn sim_config(envelope: Envelope, customer_mode: bool) -> SimConfig {
    let pos = PublicKey::from_pem(&read("pos_public_key.pem")).unwrap();
    let term = PrivateKey::from_pem(&read("terminal_private_key_pkcs8.pem")).unwrap();
    let mut cfg = SimConfig::new(SN, pos, term);
    cfg.envelope = envelope;
    cfg.customer_mode = customer_mode;
    cfg
}

pub fn driver_config(port: u16, envelope: Envelope, customer_mode: bool) -> AntomConfig {
    AntomConfig {
        host: "127.0.0.1".into(),
        port,
        client_id: SN.into(),
        pos_key_path: vectors().join("pos_private_key_pkcs8.pem"),
        terminal_key_path: vectors().join("terminal_public_key.pem"),
        envelope,
        customer_mode,
        payment_method: "CARD".into(),
        timing: AntomConfig::default_timing(),
    }
}

/// A running simulator and a driver pointed at it.
pub struct Rig {
    pub sim: AntomSimHandle,
    pub driver: AntomLan,
}

/// How long a scripted delay holds an answer: far beyond [`SHORT`], so a timeout is certain.
pub const LONG: Duration = Duration::from_secs(120);
/// The client timeout used against [`LONG`] delays: long enough that a loaded machine still
/// delivers the request (so the charge is recorded) before it expires.
pub const SHORT: Duration = Duration::from_millis(1500);

/// Waits until `ready` holds (the bound only stops a hang): the simulator handles a request
/// the client gave up on at its own pace, so a test waits for it rather than expect it done.
pub async fn until(what: &str, ready: impl Fn() -> bool) {
    let wait = async {
        while !ready() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(LONG, wait)
        .await
        .unwrap_or_else(|_| panic!("{what} never happened"));
}

pub async fn rig_with(
    envelope: Envelope,
    customer_mode: bool,
    tweak: impl FnOnce(&mut AntomConfig),
) -> Rig {
    let sim = AntomSim::start(sim_config(envelope, customer_mode))
        .await
        .unwrap();
    let mut cfg = driver_config(sim.addr().port(), envelope, customer_mode);
    tweak(&mut cfg);
    let driver = AntomLan::new(cfg, Arc::new(SystemClock)).unwrap();
    Rig { sim, driver }
}

pub async fn rig(envelope: Envelope, customer_mode: bool) -> Rig {
    rig_with(envelope, customer_mode, |_| {}).await
}

pub fn krw(minor: i64) -> Money {
    Money::new(minor, Currency::KRW)
}

pub fn pay_req(id: &str, minor: i64) -> PayRequest {
    PayRequest {
        request_id: RequestId::parse(id).unwrap(),
        order_id: RequestId::parse("O1").unwrap(),
        amount: krw(minor),
        tax: krw(0),
        tip: krw(0),
        installments: 0,
        description: "test".into(),
        cashier: "kim".into(),
    }
}
