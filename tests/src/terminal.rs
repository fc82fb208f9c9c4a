//! `kassactl terminal add` for the simulators on loopback, as the acceptance tests add them:
//! the ids and keys each simulator is configured with, so a test states only what it changes.

use crate::vectors_dir;
use std::path::Path;

/// The arguments of one `kassactl terminal add`.
#[derive(Debug, Clone)]
pub struct AddTerminal {
    /// After `terminal add`: the kind, then flag/value pairs (and lone flags).
    args: Vec<String>,
}

impl AddTerminal {
    /// The N950 simulator at 127.0.0.1:`port` as terminal `front`: the client id the simulator
    /// is configured with, the published POS private key and terminal public key, and
    /// timeouts short enough that no test waits the vendor's 120 s, yet long enough that an
    /// answer is never cut off on a loaded machine, and a recovery window that ends as soon as
    /// the terminal tells (a test of a timeout or of a spent window sets its own).
    pub fn n950(port: u16) -> AddTerminal {
        let key = |name: &str| vectors_dir().join(name).display().to_string();
        AddTerminal::kind("antom-lan")
            .with(&[
                ("--name", "front"),
                ("--host", "127.0.0.1"),
                ("--port", &port.to_string()),
                ("--client-id", "N950SN0001"),
                ("--pos-key", &key("pos_private_key_pkcs8.pem")),
                ("--terminal-key", &key("terminal_public_key.pem")),
            ])
            .with(&[
                ("--pay-timeout", "30s"),
                ("--poll-interval", "10ms"),
                ("--recovery-window", "60s"),
            ])
    }

    /// The KICC emulator's bridge at 127.0.0.1:`port` as terminal `counter`, paired with the
    /// key in `pairing_key` (the emulator's key file), with the store's merchant id, terminal
    /// id and registration number the emulator answers with. The vendor's pay and refund
    /// timeouts (the device is told them); 30 s rather than 5 s for the ping, init and
    /// GetLastTransaction answers, so a loaded machine never cuts one off.
    pub fn kicc(port: u16, pairing_key: &Path) -> AddTerminal {
        AddTerminal::kind("kicc").with(&[
            ("--name", "counter"),
            ("--host", "127.0.0.1"),
            ("--port", &port.to_string()),
            ("--pairing-key", &pairing_key.display().to_string()),
            ("--merchant-id", "M-KASSA-01"),
            ("--acquirer-terminal-id", "0788888"),
            ("--registration-no", "0216001234"),
            ("--diagnose-timeout", "30s"),
            ("--inquiry-timeout", "30s"),
        ])
    }

    /// IOT Pay's cloud at `base_url` (the simulator's) for merchant `mch_id`, its key in
    /// `key_file`, as terminal `pax`: the PAX terminal the seed's samples name (job number
    /// `testpax`, device `V1-B25`).
    pub fn iotpay(base_url: &str, mch_id: &str, key_file: &Path) -> AddTerminal {
        AddTerminal::kind("iotpay").with(&[
            ("--name", "pax"),
            ("--base-url", base_url),
            ("--mch-id", mch_id),
            ("--key-file", &key_file.display().to_string()),
            ("--job-no", "testpax"),
            ("--device", "V1-B25"),
        ])
    }

    fn kind(kind: &str) -> AddTerminal {
        AddTerminal {
            args: vec![kind.to_string()],
        }
    }

    /// Gives each flag its value, in place of the one it had (appended if it had none).
    pub fn with(mut self, flags: &[(&str, &str)]) -> AddTerminal {
        for (flag, value) in flags {
            match self.args.iter().position(|a| a == flag) {
                Some(at) => self.args[at + 1] = value.to_string(),
                None => self.args.extend([flag.to_string(), value.to_string()]),
            }
        }
        self
    }

    /// Adds a flag that takes no value (`--default`).
    pub fn flag(mut self, flag: &str) -> AddTerminal {
        self.args.push(flag.to_string());
        self
    }

    /// The command line after `kassactl`: `terminal add <kind> …`.
    pub fn args(&self) -> Vec<&str> {
        ["terminal", "add"]
            .into_iter()
            .chain(self.args.iter().map(String::as_str))
            .collect()
    }
}
