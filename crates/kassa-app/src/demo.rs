//! Demo mode: with no terminal configured, Kassa runs against the built-in simulators
//! (kassa-sim's Antom N950 and KICC, in this process, on loopback), registered as the
//! terminals `Demo N950` and `Demo KICC`; the same simulated N950 is also cabled to a simulated
//! USB bus (the byte-level fake of `kassa_antom::usb::fake`) as `Demo N950 USB`, so the USB
//! path and the terminal settings' list of USB terminals work without hardware. With a Korean café's catalog (KRW, VAT 10 % in the
//! prices), a demo manager (PIN 1234) and cashier (PIN 0000). The window shows a banner while
//! [`Service::is_demo`] holds; adding a real terminal ends demo mode.
//!
//! The simulators' RSA keys are the published test keys of `spec/vectors`, copied to
//! `assets/demo-keys/` and written beside the ledger at start (the N950 driver reads key
//! files). What a simulator does with the next payment can be chosen — only here, only in demo
//! mode — with [`Demo::queue`].

use crate::accounts::Role;
use crate::catalog::Product;
use crate::error::{AppError, AppResult};
use crate::store::StoreSettings;
use crate::Service;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Name of the simulated N950.
pub const DEMO_N950: &str = "Demo N950";
/// Name of the simulated N950 on the simulated USB cable.
pub const DEMO_N950_USB: &str = "Demo N950 USB";
/// Name of the simulated KICC terminal.
pub const DEMO_KICC: &str = "Demo KICC";
/// Setting that records whether demo mode is on.
const DEMO_KEY: &str = "demo";
/// The demo accounts and their PINs.
pub const DEMO_ACCOUNTS: [(&str, Role, &str); 2] = [
    ("Kim Minji", Role::Manager, "1234"),
    ("Park Jun", Role::Cashier, "0000"),
];

/// The demo terminals and their driver kinds, in the order the demo panel lists them.
const DEMO_TERMINALS: [(&str, &str); 3] = [
    (DEMO_KICC, crate::registry::KICC),
    (DEMO_N950, crate::registry::ANTOM_LAN),
    (DEMO_N950_USB, crate::registry::ANTOM_USB),
];

/// Whether `name` is one of the demo terminals.
pub fn is_demo_terminal(name: &str) -> bool {
    DEMO_TERMINALS.iter().any(|(n, _)| *n == name)
}

/// What a simulated terminal does with the next payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum DemoBehaviour {
    /// The customer pays.
    Approve,
    /// The card is declined (not enough funds).
    Decline,
    /// The card is charged but the answer is lost: recovery has to find out.
    Unknown,
    /// No card is ever presented: time to cancel (KICC), or a late decline (N950).
    NoCard,
    /// The terminal never says how the payment ended: recovery gives up and a manager must
    /// settle it (N950: "in progress" to every inquiry; KICC: the answer never comes).
    Stuck,
}

/// One simulated terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DemoTerminal {
    /// Terminal name.
    pub name: String,
    /// Driver kind.
    pub kind: String,
}

/// Demo mode as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DemoStatus {
    /// Demo mode is on.
    pub active: bool,
    /// The simulated terminals.
    pub terminals: Vec<DemoTerminal>,
    /// The demo PINs, for the sign-in screen.
    pub pin_hint: String,
}

impl DemoStatus {
    /// Demo mode is off.
    pub fn inactive() -> DemoStatus {
        DemoStatus {
            active: false,
            terminals: Vec::new(),
            pin_hint: String::new(),
        }
    }

    /// Demo mode is on, with the simulated terminals.
    pub fn active() -> DemoStatus {
        DemoStatus {
            active: true,
            terminals: DEMO_TERMINALS
                .iter()
                .map(|(name, kind)| DemoTerminal {
                    name: (*name).into(),
                    kind: (*kind).into(),
                })
                .collect(),
            pin_hint: DEMO_ACCOUNTS
                .iter()
                .map(|(name, _, pin)| format!("{name} {pin}"))
                .collect::<Vec<_>>()
                .join(" · "),
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct DemoSetting {
    active: bool,
}

impl Service {
    /// True while demo mode is on.
    pub fn is_demo(&self) -> AppResult<bool> {
        Ok(match self.ledger.setting(DEMO_KEY)? {
            Some(v) => serde_json::from_value::<DemoSetting>(v)
                .map(|d| d.active)
                .unwrap_or(false),
            None => false,
        })
    }

    /// Whether start-up should run the simulators: demo mode is on, or no terminal exists.
    pub fn should_start_demo(&self) -> AppResult<bool> {
        Ok(self.is_demo()? || self.ledger.terminals()?.is_empty())
    }

    fn set_demo(&self, active: bool) -> AppResult<()> {
        let v = serde_json::to_value(DemoSetting { active })
            .map_err(|e| AppError::Config(format!("demo mode cannot be saved: {e}")))?;
        Ok(self.ledger.set_setting(DEMO_KEY, &v)?)
    }

    /// Ends demo mode (a real terminal was added): the demo terminals are removed unless one
    /// still has an open attempt, which keeps it listed until that attempt is settled.
    pub(crate) fn end_demo(&self, actor: &str) -> AppResult<()> {
        self.set_demo(false)?;
        // The simulated USB bus goes with the simulators.
        self.set_usb_backend(Arc::new(kassa_antom::usb::RusbBackend::new()));
        for (name, _) in DEMO_TERMINALS {
            if self.ledger.terminal(name)?.is_some() {
                if let Err(e) = self.remove_terminal(name, actor) {
                    tracing::warn!(terminal = name, error = %e, "demo terminal kept");
                }
            }
        }
        self.ledger
            .audit(actor, "demo_ended", &serde_json::json!({}))?;
        Ok(())
    }

    /// First start of demo mode: the café's store settings, catalog and accounts, unless the
    /// ledger already has its own.
    pub fn seed_demo_data(&self) -> AppResult<()> {
        if self.ledger.setting("store")?.is_none() {
            self.put_store_settings(&demo_store())?;
        }
        if self.catalog()?.is_empty() {
            self.put_catalog(demo_catalog())?;
        }
        self.seed_accounts(&DEMO_ACCOUNTS)?;
        Ok(())
    }
}

fn demo_store() -> StoreSettings {
    StoreSettings {
        name: "Hangang Coffee 한강커피".into(),
        address: "서울특별시 마포구 한강대로 1 (Demo)".into(),
        phone: "02-000-0000".into(),
        business_number: "000-00-00000".into(),
        receipt_footer: "감사합니다 · Thank you".into(),
        ..StoreSettings::default()
    }
}

/// The demo café's menu: KRW, VAT included; the whole cake (over 50,000 KRW) makes the KICC
/// terminal ask for a signature.
pub fn demo_catalog() -> Vec<Product> {
    let items: [(&str, &str, &str, i64, &str); 20] = [
        ("americano", "아메리카노", "Americano", 4500, "Coffee"),
        ("latte", "카페라떼", "Café Latte", 5000, "Coffee"),
        (
            "vanilla-latte",
            "바닐라라떼",
            "Vanilla Latte",
            5500,
            "Coffee",
        ),
        ("cappuccino", "카푸치노", "Cappuccino", 5000, "Coffee"),
        ("cold-brew", "콜드브루", "Cold Brew", 5500, "Coffee"),
        ("espresso", "에스프레소", "Espresso", 4000, "Coffee"),
        (
            "green-tea-latte",
            "녹차라떼",
            "Green Tea Latte",
            5500,
            "Tea & Ade",
        ),
        ("yuja-tea", "유자차", "Yuja Tea", 5000, "Tea & Ade"),
        (
            "grapefruit-ade",
            "자몽에이드",
            "Grapefruit Ade",
            6000,
            "Tea & Ade",
        ),
        (
            "strawberry-smoothie",
            "딸기스무디",
            "Strawberry Smoothie",
            6500,
            "Tea & Ade",
        ),
        ("croissant", "크루아상", "Croissant", 3800, "Bakery"),
        ("salt-bread", "소금빵", "Salt Bread", 3500, "Bakery"),
        ("bagel", "베이글", "Bagel", 3200, "Bakery"),
        (
            "muffin",
            "블루베리 머핀",
            "Blueberry Muffin",
            3900,
            "Bakery",
        ),
        ("tiramisu", "티라미수", "Tiramisu", 6500, "Dessert"),
        ("cheesecake", "치즈케이크", "Cheesecake", 6800, "Dessert"),
        ("macaron", "마카롱", "Macaron", 2800, "Dessert"),
        ("whole-cake", "홀케이크", "Whole Cake", 52000, "Dessert"),
        ("beans", "원두 200g", "Coffee Beans 200 g", 18000, "Goods"),
        ("tumbler", "텀블러", "Tumbler", 25000, "Goods"),
    ];
    items
        .iter()
        .enumerate()
        .map(|(i, (id, name, en, price, cat))| Product {
            id: (*id).to_string(),
            name: (*name).to_string(),
            name_en: (*en).to_string(),
            price_minor: *price,
            tax_id: "vat".into(),
            barcode: Some(format!("88000000{:05}", i + 1)),
            category: (*cat).to_string(),
        })
        .collect()
}

#[cfg(feature = "demo")]
pub use running::Demo;

#[cfg(feature = "demo")]
mod running {
    //! The simulators themselves (the `demo` feature: the desktop package enables it).

    use super::*;
    use kassa_antom::usb::fake::{FakeBus, FakeDevice};
    use kassa_ledger::TerminalRow;
    use kassa_sim::antom::{AntomSim, AntomSimHandle, Behaviour, SimConfig, UsbTerminal};
    use kassa_sim::kicc::{KiccSim, Scenario, SimTiming};
    use std::path::Path;
    use std::time::Duration;

    const POS_PRIVATE: &str = include_str!("../../../assets/demo-keys/pos_private_key_pkcs8.pem");
    const POS_PUBLIC: &str = include_str!("../../../assets/demo-keys/pos_public_key.pem");
    const TERMINAL_PRIVATE: &str =
        include_str!("../../../assets/demo-keys/terminal_private_key_pkcs8.pem");
    const TERMINAL_PUBLIC: &str = include_str!("../../../assets/demo-keys/terminal_public_key.pem");
    /// The demo N950's serial number.
    const DEMO_SN: &str = "N950DEMO0001";

    /// The running simulators. Dropping it stops them.
    #[derive(Debug)]
    pub struct Demo {
        n950: AntomSimHandle,
        kicc: KiccSim,
        /// The simulated USB bus, with the N950 plugged in.
        bus: FakeBus,
        /// The N950's USB side on that bus.
        n950_usb: UsbTerminal,
    }

    fn config_err(what: &str, e: impl std::fmt::Display) -> AppError {
        AppError::Config(format!("demo mode cannot start: {what}: {e}"))
    }

    impl Demo {
        /// Starts both simulators on loopback, registers them as the demo terminals (with
        /// this run's ports), seeds the demo store on first start and turns demo mode on.
        /// `data_dir` receives the demo key files the N950 driver reads.
        pub async fn start(svc: &Service, data_dir: &Path) -> AppResult<Demo> {
            let timing = SimTiming {
                signature: Duration::from_secs(6),
                ..SimTiming::realistic()
            };
            Demo::start_with(svc, data_dir, timing).await
        }

        /// As [`Demo::start`], with the KICC customer's pace given (tests use
        /// `SimTiming::instant()`).
        pub async fn start_with(
            svc: &Service,
            data_dir: &Path,
            timing: SimTiming,
        ) -> AppResult<Demo> {
            let keys = data_dir.join("demo-keys");
            std::fs::create_dir_all(&keys).map_err(|e| config_err("key folder", e))?;
            let pos_key = keys.join("pos_private_key_pkcs8.pem");
            let terminal_key = keys.join("terminal_public_key.pem");
            crate::keyfiles::write_private_key_file(&pos_key, POS_PRIVATE.as_bytes())
                .map_err(|e| config_err("key file", e))?;
            std::fs::write(&terminal_key, TERMINAL_PUBLIC)
                .map_err(|e| config_err("key file", e))?;

            let pos_public = kassa_antom::protocol::PublicKey::from_pem(POS_PUBLIC)
                .map_err(|e| config_err("demo key", e))?;
            let terminal_private = kassa_antom::protocol::PrivateKey::from_pem(TERMINAL_PRIVATE)
                .map_err(|e| config_err("demo key", e))?;
            let mut cfg = SimConfig::new(DEMO_SN, pos_public, terminal_private);
            cfg.customer_mode = true;
            let n950 = AntomSim::start(cfg)
                .await
                .map_err(|e| config_err("N950 simulator", e))?;
            // The demo bridge is paired afresh on every start: its key file is rewritten.
            let kicc_key = keys.join("kicc_pairing.key");
            let pairing = kassa_kicc::PairingKey::generate();
            crate::keyfiles::write_private_key_file(
                &kicc_key,
                format!("{}\n", pairing.to_base32().expose()).as_bytes(),
            )
            .map_err(|e| config_err("key file", e))?;
            let kicc = KiccSim::bind("127.0.0.1:0", timing, Scenario::Happy, &kicc_key)
                .await
                .map_err(|e| config_err("KICC simulator", e))?;

            // The N950 plugged in by USB in normal mode: its first use switches it to
            // accessory mode, as a real one would be.
            let bus = FakeBus::new();
            let n950_usb = n950.attach_usb(bus.plug(FakeDevice::n950(DEMO_SN)));
            svc.set_usb_backend(Arc::new(bus.clone()));

            let first = svc.ledger.terminals()?.is_empty();
            let n950_cfg = kassa_antom::AntomConfig {
                host: "127.0.0.1".into(),
                port: n950.addr().port(),
                client_id: DEMO_SN.into(),
                pos_key_path: pos_key.clone(),
                terminal_key_path: terminal_key.clone(),
                envelope: kassa_antom::Envelope::Ecb,
                customer_mode: true,
                payment_method: "CARD".into(),
                timing: kassa_antom::AntomConfig::default_timing(),
            };
            // Refunds go over the cable; the LAN address is where they go if the cable refuses them (§1.6).
            let n950_usb_cfg = kassa_antom::usb::AntomUsbConfig {
                serial: Some(DEMO_SN.into()),
                client_id: DEMO_SN.into(),
                pos_key_path: pos_key,
                terminal_key_path: terminal_key,
                envelope: kassa_antom::Envelope::Ecb,
                customer_mode: true,
                payment_method: "CARD".into(),
                timing: kassa_antom::AntomConfig::default_timing(),
                lan_host: Some("127.0.0.1".into()),
                lan_port: n950.addr().port(),
            };
            let kicc_cfg = kassa_kicc::KiccConfig {
                host: "127.0.0.1".into(),
                port: kicc.addr().port(),
                merchant_id: "DEMO".into(),
                acquirer_terminal_id: "DEMO0001".into(),
                registration_no: "0000000000".into(),
                pairing_key_file: kicc_key,
                payment_expiry_secs: kassa_kicc::DEFAULT_PAYMENT_EXPIRY_SECS,
                timing: kassa_kicc::KiccConfig::default_timing(),
            };
            for (name, kind, config) in [
                (
                    DEMO_KICC,
                    crate::registry::KICC,
                    serde_json::to_value(&kicc_cfg),
                ),
                (
                    DEMO_N950,
                    crate::registry::ANTOM_LAN,
                    serde_json::to_value(&n950_cfg),
                ),
                (
                    DEMO_N950_USB,
                    crate::registry::ANTOM_USB,
                    serde_json::to_value(&n950_usb_cfg),
                ),
            ] {
                let config = config.map_err(|e| config_err("terminal settings", e))?;
                let is_default = match svc.ledger.terminal(name)? {
                    Some(row) => row.is_default,
                    None => first && name == DEMO_KICC,
                };
                let row = TerminalRow {
                    name: name.into(),
                    kind: kind.into(),
                    config,
                    is_default,
                };
                svc.ledger.upsert_terminal(&row)?;
                svc.forget_driver(name);
            }
            svc.seed_demo_data()?;
            svc.set_demo(true)?;
            tracing::info!(
                n950 = %n950.addr(),
                kicc = %kicc.addr(),
                "demo mode: simulated terminals running"
            );
            Ok(Demo {
                n950,
                kicc,
                bus,
                n950_usb,
            })
        }

        /// Demo mode as the window shows it.
        pub fn status(&self) -> DemoStatus {
            DemoStatus::active()
        }

        /// Chooses what `terminal` does with its next payment.
        pub fn queue(&self, terminal: &str, b: DemoBehaviour) -> AppResult<DemoStatus> {
            match terminal {
                DEMO_N950 | DEMO_N950_USB => self.n950.push(match b {
                    DemoBehaviour::Approve => Behaviour::Approve,
                    DemoBehaviour::Decline => {
                        Behaviour::Decline(kassa_sim::antom::DEFAULT_DECLINE.into())
                    }
                    DemoBehaviour::Unknown => Behaviour::DropAfterCharge,
                    DemoBehaviour::NoCard => Behaviour::DelayThenDecline(Duration::from_secs(20)),
                    DemoBehaviour::Stuck => Behaviour::InProgress {
                        n: u32::MAX,
                        then: kassa_sim::antom::Final::Approve,
                    },
                }),
                DEMO_KICC => self.kicc.push_scenario(match b {
                    DemoBehaviour::Approve => Scenario::Happy,
                    DemoBehaviour::Decline => Scenario::BusinessFail(
                        kassa_kicc::codes::BusinessCode::UserBalanceNotEnough,
                    ),
                    DemoBehaviour::Unknown => Scenario::DropAfterCharge,
                    DemoBehaviour::NoCard => Scenario::NoCard,
                    DemoBehaviour::Stuck => Scenario::Silent,
                }),
                other => {
                    return Err(AppError::NotFound(format!(
                        "{other:?} is not a demo terminal: use {DEMO_N950}, {DEMO_N950_USB} or {DEMO_KICC}"
                    )))
                }
            }
            Ok(self.status())
        }

        /// Stops the simulators and unplugs the simulated USB bus.
        pub async fn stop(self) {
            self.bus.shutdown();
            self.n950_usb.shutdown().await;
            self.n950.shutdown().await;
            self.kicc.stop().await;
        }
    }
}

#[cfg(test)]
#[path = "demo_tests.rs"]
mod tests;
