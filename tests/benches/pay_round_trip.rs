//! One full sale through the service against the N950 simulator on loopback: order and
//! attempt rows committed (WAL, synchronous=FULL), diagnosis, a signed and encrypted pay, the
//! verified and decrypted answer, and the outcome committed — what a cashier waits for,
//! minus the customer.
// A bench whose setup fails must stop loudly.
#![allow(clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use kassa_acceptance::vectors_dir;
use kassa_antom::protocol::{PrivateKey, PublicKey};
use kassa_app::{OpenOptions, SaleItem, SaleRequest, Service};
use kassa_core::{Currency, NullSink, TaxRate};
use kassa_sim::antom::{AntomSim, SimConfig};

fn read(name: &str) -> String {
    std::fs::read_to_string(vectors_dir().join(name)).unwrap_or_default()
}

fn pay_round_trip(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let (sim, svc) = rt.block_on(async {
        let cfg = SimConfig::new(
            "N950SN0001",
            PublicKey::from_pem(&read("pos_public_key.pem")).expect("pos key"),
            PrivateKey::from_pem(&read("terminal_private_key_pkcs8.pem")).expect("terminal key"),
        );
        let sim = AntomSim::start(cfg).await.expect("sim");
        let svc = Service::open(OpenOptions::new(dir.path().join("kassa.db"))).expect("service");
        let v = vectors_dir();
        let config = serde_json::json!({
            "host": "127.0.0.1", "port": sim.addr().port(), "client_id": "N950SN0001",
            "pos_key_path": v.join("pos_private_key_pkcs8.pem"),
            "terminal_key_path": v.join("terminal_public_key.pem"),
            "envelope": "ecb", "customer_mode": false, "payment_method": "CARD",
            "timing": kassa_antom::AntomConfig::default_timing(),
        });
        svc.add_terminal("front", "antom-lan", config, true, "bench")
            .expect("terminal");
        (sim, svc)
    });
    let sale = || SaleRequest {
        terminal: None,
        currency: Currency::KRW,
        items: vec![SaleItem {
            name: "Americano".into(),
            unit_price_minor: 4500,
            quantity: 1,
            tax: TaxRate {
                basis_points: 1000,
                inclusive: true,
            },
        }],
        cashier: "bench".into(),
        installments: 0,
    };
    c.bench_function(
        "sale round trip (service + N950 sim, loopback, fsync ledger)",
        |b| {
            b.to_async(&rt).iter(|| async {
                let r = svc.sale(sale(), &NullSink).await.expect("sale");
                assert_eq!(r.status, kassa_core::AttemptState::Succeeded);
            })
        },
    );
    rt.block_on(sim.shutdown());
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = pay_round_trip
}
criterion_main!(benches);
