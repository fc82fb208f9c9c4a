//! One simulated terminal of each kind (N950 over LAN, KICC behind its bridge, IOT Pay's cloud
//! with a PAX terminal behind it), a fresh ledger folder, and the terminal added to that ledger
//! through `kassactl terminal add`. The simulators run in the test's own runtime; their records
//! of what was charged and refunded are what the ledger is compared with.

use super::proc::Kassactl;
use kassa_acceptance::vectors_dir;
use kassa_antom::protocol::{PrivateKey, PublicKey};
use kassa_sim::antom::{AntomSim, AntomSimHandle, SimConfig, SimPaymentStatus};
use kassa_sim::iotpay::IotPaySim;
use kassa_sim::kicc::{KiccSim, SimTiming, TxResult};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The three terminal kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Antom N950 over the LAN.
    Antom,
    /// KICC EDC through the bridge.
    Kicc,
    /// PAX through IOT Pay's cloud.
    IotPay,
}

impl Kind {
    /// The name used in tables.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Antom => "N950",
            Kind::Kicc => "KICC",
            Kind::IotPay => "IOT Pay",
        }
    }
}

/// The simulated terminal.
#[derive(Debug)]
pub enum Sim {
    /// The N950 simulator.
    Antom(AntomSimHandle),
    /// The KICC device emulator.
    Kicc(KiccSim),
    /// The IOT Pay cloud simulator.
    IotPay(IotPaySim),
}

/// The merchant id and key the IOT Pay simulator knows.
pub const IOTPAY_MCH: &str = "10000701";
const IOTPAY_KEY: &str = "KASSA-TEST-MERCHANT-KEY-0123456789";

/// A simulator, a ledger folder and a `kassactl` on that ledger.
#[derive(Debug)]
pub struct Rig {
    /// Which kind.
    pub kind: Kind,
    /// The simulator.
    pub sim: Sim,
    /// kassactl on this rig's ledger.
    pub ctl: Kassactl,
    dir: tempfile::TempDir,
}

fn pem(name: &str) -> String {
    std::fs::read_to_string(vectors_dir().join(name)).expect("test key")
}

fn key_path(name: &str) -> String {
    vectors_dir().join(name).display().to_string()
}

impl Rig {
    /// Starts the simulator of `kind` and a fresh ledger for `exe`.
    pub async fn start(kind: Kind, exe: PathBuf) -> Rig {
        let dir = tempfile::tempdir().expect("tempdir");
        let sim = match kind {
            Kind::Antom => {
                let cfg = SimConfig::new(
                    "N950SN0001",
                    PublicKey::from_pem(&pem("pos_public_key.pem")).expect("pos key"),
                    PrivateKey::from_pem(&pem("terminal_private_key_pkcs8.pem"))
                        .expect("terminal key"),
                );
                Sim::Antom(AntomSim::start(cfg).await.expect("start N950 simulator"))
            }
            Kind::Kicc => Sim::Kicc(
                KiccSim::start(SimTiming::instant())
                    .await
                    .expect("start KICC emulator"),
            ),
            Kind::IotPay => {
                let cfg = kassa_sim::iotpay::SimConfig::new(IOTPAY_MCH, IOTPAY_KEY);
                Sim::IotPay(
                    IotPaySim::start(cfg)
                        .await
                        .expect("start IOT Pay simulator"),
                )
            }
        };
        let ctl = Kassactl {
            exe,
            db: dir.path().join("kassa.db"),
        };
        Rig {
            kind,
            sim,
            ctl,
            dir,
        }
    }

    /// The ledger file.
    pub fn db(&self) -> PathBuf {
        self.ctl.db.clone()
    }

    /// A file in the rig's folder (for copies of the ledger).
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Adds the simulator as the default terminal. `timing` are kassactl's timing flags
    /// (`--pay-timeout 5s`, ...), passed as flag/value pairs.
    pub fn add_terminal(&self, timing: &[(&str, &str)]) {
        let mut args: Vec<String> = ["terminal", "add"].map(String::from).to_vec();
        let s = |v: &str| v.to_string();
        match &self.sim {
            Sim::Antom(sim) => args.extend([
                s("antom-lan"),
                s("--name"),
                s("front"),
                s("--host"),
                s("127.0.0.1"),
                s("--port"),
                sim.addr().port().to_string(),
                s("--client-id"),
                s("N950SN0001"),
                s("--pos-key"),
                key_path("pos_private_key_pkcs8.pem"),
                s("--terminal-key"),
                key_path("terminal_public_key.pem"),
            ]),
            Sim::Kicc(sim) => args.extend([
                s("kicc"),
                s("--name"),
                s("counter"),
                s("--host"),
                s("127.0.0.1"),
                s("--port"),
                sim.addr().port().to_string(),
                s("--merchant-id"),
                s("M-KASSA-01"),
                s("--acquirer-terminal-id"),
                s("0788888"),
                s("--registration-no"),
                s("0216001234"),
                s("--pairing-key"),
                sim.pairing_key_file().display().to_string(),
            ]),
            Sim::IotPay(sim) => {
                let key = self.file("iotpay.key");
                std::fs::write(&key, IOTPAY_KEY).expect("write the merchant key");
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600))
                        .expect("make the key owner-only");
                }
                args.extend([
                    s("iotpay"),
                    s("--name"),
                    s("pax"),
                    s("--base-url"),
                    sim.base_url(),
                    s("--mch-id"),
                    s(IOTPAY_MCH),
                    s("--key-file"),
                    key.display().to_string(),
                    s("--job-no"),
                    s("cashier1"),
                ])
            }
        }
        for (flag, value) in timing {
            args.push(flag.to_string());
            args.push(value.to_string());
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = self.ctl.run(&refs);
        assert_eq!(r.code, 0, "terminal add failed: {:?} {}", r.lines, r.stderr);
    }

    /// Every successful charge the terminal made: request id → amount (minor units).
    pub fn charges(&self) -> BTreeMap<String, i64> {
        match &self.sim {
            Sim::Antom(s) => s
                .payments()
                .into_iter()
                .filter(|p| p.status == SimPaymentStatus::Success)
                .map(|p| (p.payment_request_id, p.amount))
                .collect(),
            Sim::Kicc(s) => s
                .transactions()
                .into_iter()
                .filter(|t| {
                    t.command == "Purchase" && matches!(t.result, TxResult::Approved { .. })
                })
                .map(|t| (t.request_id, t.amount))
                .collect(),
            Sim::IotPay(s) => s
                .orders()
                .into_iter()
                .filter(|o| o.is_paid())
                .map(|o| (o.mch_order_no, o.charged_amount))
                .collect(),
        }
    }

    /// Every successful refund the terminal made: refund request id → amount.
    pub fn refunds(&self) -> BTreeMap<String, i64> {
        match &self.sim {
            Sim::Antom(s) => s
                .refunds()
                .into_iter()
                .filter(|r| r.status == "SUCCESS")
                .map(|r| (r.refund_request_id, r.amount))
                .collect(),
            Sim::Kicc(s) => s
                .transactions()
                .into_iter()
                .filter(|t| {
                    t.command == "PurchaseCancel" && matches!(t.result, TxResult::Approved { .. })
                })
                .map(|t| (t.request_id, t.amount))
                .collect(),
            Sim::IotPay(_) => BTreeMap::new(),
        }
    }

    /// How many refund requests the terminal has seen, whatever their state.
    pub fn refund_requests(&self) -> usize {
        match &self.sim {
            Sim::Antom(s) => s.refunds().len(),
            Sim::Kicc(s) => s
                .transactions()
                .iter()
                .filter(|t| t.command == "PurchaseCancel")
                .count(),
            Sim::IotPay(_) => 0,
        }
    }

    /// Stops the simulator.
    pub async fn stop(self) {
        match self.sim {
            Sim::Antom(s) => s.shutdown().await,
            Sim::Kicc(s) => s.stop().await,
            Sim::IotPay(s) => s.stop().await.expect("stop the IOT Pay simulator"),
        }
    }
}

/// A sale of 14,000 KRW (VAT included) on the default terminal.
pub use kassa_acceptance::SALE;
