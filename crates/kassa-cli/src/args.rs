//! kassactl's command line: the commands, their options, and the small parsers for items and
//! tax rates as people type them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// Exit codes (also in `--help`): 0 done, 1 internal error, 2 usage or configuration error,
/// 3 declined or refused, 4 outcome unknown (recovery or a manager must settle it),
/// 5 not allowed now (attempt in progress, already paid, refund limit), 6 the audit log
/// failed verification, 7 the printer did not print (the job stays queued and is retried).
#[derive(Parser, Debug)]
#[command(
    name = "kassactl",
    version,
    about = "Kassa from the command line: terminals, sales, refunds, recovery",
    after_help = "Exit codes: 0 done, 1 internal error, 2 usage or configuration error, \
                  3 declined or refused, 4 outcome unknown (check the terminal; a manager may \
                  have to settle it), 5 not allowed now (attempt in progress, already paid, \
                  refund limit), 6 the audit log failed `audit verify`, 7 the printer did \
                  not print (the job stays queued and is retried).\nThe ledger is --db, else $KASSA_DATA_DIR/kassa.db, else the \
                  platform data directory (~/.local/share/kassa/kassa.db on Linux)."
)]
pub struct Cli {
    /// Ledger file.
    #[arg(long, global = true)]
    pub db: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Who is acting, for the audit log.
    #[arg(long, global = true, env = "KASSA_ACTOR", default_value = "kassactl")]
    pub actor: String,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Add, list, test or remove terminals.
    #[command(subcommand)]
    Terminal(TerminalCmd),
    /// USB terminals: `usb list` shows what is connected and whether it is in accessory mode.
    #[command(subcommand)]
    Usb(UsbCmd),
    /// Ring up a sale and pay it on a terminal.
    Sale(SaleArgs),
    /// Pay an open order again (after a decline or on another terminal).
    Pay(PayArgs),
    /// Refund a payment through its terminal, or record a refund done on the terminal.
    Refund(RefundArgs),
    /// Settle an attempt whose outcome recovery could not prove (manager).
    Resolve(ResolveArgs),
    /// Ask a KICC terminal to stop a payment waiting for a card.
    Cancel(CancelArgs),
    /// List orders.
    Orders(OrdersArgs),
    /// Show one order with its attempt journal.
    Order {
        /// Order id.
        id: String,
    },
    /// Reconcile every attempt whose outcome is not final.
    Recover,
    /// Write the receipt of an order (or the slip of a refund or of an unresolved payment
    /// attempt) as a PDF file, built from the ledger.
    Receipt(ReceiptArgs),
    /// Print the receipt of an order (or a refund's or unresolved attempt's slip) now,
    /// through the print queue.
    Print(PrintArgs),
    /// Reports: `report z` writes the Z report as PDF (and CSV).
    #[command(subcommand)]
    Report(ReportCmd),
    /// Add, list, test or remove printers; show or retry the print queue.
    #[command(subcommand)]
    Printer(PrinterCmd),
    /// Show the store settings ids and reports use, or change them: the store and till codes
    /// every request id carries (each till of a store needs its own till code) and the time
    /// zone reports count calendar days in.
    Settings(SettingsArgs),
    /// Show the audit log of privileged actions (`audit` or `audit list`), or check its hash
    /// chain (`audit verify`).
    Audit {
        /// `list` (the default) or `verify`.
        #[command(subcommand)]
        cmd: Option<AuditCmd>,
    },
}

/// `settings`: without options it shows the current values.
#[derive(Args, Debug)]
pub struct SettingsArgs {
    /// Store code in request ids: 1 to 4 letters or digits (e.g. ST01).
    #[arg(long)]
    pub store_code: Option<String>,
    /// This till's code in request ids: 1 to 3 letters or digits, different on each till.
    #[arg(long)]
    pub till_code: Option<String>,
    /// IANA time zone of the store for reports' calendar days (e.g. Asia/Seoul).
    #[arg(long)]
    pub time_zone: Option<String>,
}

/// Audit log commands.
#[derive(Subcommand, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditCmd {
    /// List every entry, oldest first.
    List,
    /// Check the hash chain: exit 0 when intact, 6 with the first bad entry when an entry was
    /// edited, removed, reordered or cut off.
    Verify,
}

/// Terminal commands.
#[derive(Subcommand, Debug)]
pub enum TerminalCmd {
    /// Add or replace a terminal.
    #[command(subcommand)]
    Add(Box<AddTerminal>),
    /// List terminals.
    List,
    /// Ask a terminal whether it is ready.
    Diagnose {
        /// Terminal name.
        name: String,
    },
    /// Remove a terminal.
    Remove {
        /// Terminal name.
        name: String,
    },
}

/// USB commands.
#[derive(Subcommand, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsbCmd {
    /// List USB devices that are, or may be, N950 terminals, and their accessory mode.
    List,
}

/// Kinds of terminal that can be added.
#[derive(Subcommand, Debug)]
pub enum AddTerminal {
    /// Antom N950 on the store LAN.
    AntomLan(AntomLanArgs),
    /// Antom N950 on a USB cable (Android Open Accessory); refunds over its LAN address if given.
    AntomUsb(AntomUsbArgs),
    /// KICC EDC through the bridge on its Android device.
    Kicc(KiccArgs),
    /// PAX terminal through IOT Pay's cloud (CC_PAX).
    Iotpay(IotPayArgs),
}

/// On/off switch.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnOff {
    /// Enabled.
    On,
    /// Disabled.
    Off,
}

/// Envelope profile.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvelopeArg {
    /// AES-ECB with PKCS#7 padding (the default, as Ant's own code does).
    Ecb,
    /// AES-256-GCM.
    Gcm,
}

/// Overrides of a terminal's vendor timeouts (`30`, `30s` or `500ms`).
#[derive(Args, Debug, Clone, Default)]
pub struct TimingArgs {
    /// Payment call timeout.
    #[arg(long, value_parser = parse_duration)]
    pub pay_timeout: Option<Duration>,
    /// Inquiry call timeout.
    #[arg(long, value_parser = parse_duration)]
    pub inquiry_timeout: Option<Duration>,
    /// Refund call timeout.
    #[arg(long, value_parser = parse_duration)]
    pub refund_timeout: Option<Duration>,
    /// Diagnosis call timeout.
    #[arg(long, value_parser = parse_duration)]
    pub diagnose_timeout: Option<Duration>,
    /// Pause between recovery inquiries.
    #[arg(long, value_parser = parse_duration)]
    pub poll_interval: Option<Duration>,
    /// How long recovery asks before a manager must decide.
    #[arg(long, value_parser = parse_duration)]
    pub recovery_window: Option<Duration>,
}

/// `terminal add antom-lan`.
#[derive(Args, Debug)]
pub struct AntomLanArgs {
    /// Name for this terminal.
    #[arg(long)]
    pub name: String,
    /// Terminal IP address or host name.
    #[arg(long)]
    pub host: String,
    /// Port (the N950 listens on 8344).
    #[arg(long, default_value_t = 8344)]
    pub port: u16,
    /// The terminal's serial number (Client-Id).
    #[arg(long)]
    pub client_id: String,
    /// POS private key, PKCS#8 PEM file.
    #[arg(long)]
    pub pos_key: PathBuf,
    /// Antom's (the terminal's) public key, PEM file.
    #[arg(long)]
    pub terminal_key: PathBuf,
    /// Body envelope profile (ecb unless the terminal is confirmed to use gcm).
    #[arg(long, value_enum, default_value = "ecb")]
    pub envelope: EnvelopeArg,
    /// Terminal Customer Mode (decides the refund rules).
    #[arg(long, value_enum, default_value = "off")]
    pub customer_mode: OnOff,
    /// paymentMethod sent with each payment.
    #[arg(long, default_value = "CARD")]
    pub payment_method: String,
    /// Make it the default terminal.
    #[arg(long)]
    pub default: bool,
    /// Timeout overrides.
    #[command(flatten)]
    pub timing: TimingArgs,
}

/// `terminal add antom-usb`.
#[derive(Args, Debug)]
pub struct AntomUsbArgs {
    /// Name for this terminal.
    #[arg(long)]
    pub name: String,
    /// USB serial number of the terminal to use when several are plugged in (see `kassactl
    /// usb list`); without it, the one N950 found.
    #[arg(long)]
    pub serial: Option<String>,
    /// The terminal's serial number as Antom issued it (Client-Id).
    #[arg(long)]
    pub client_id: String,
    /// POS private key, PKCS#8 PEM file.
    #[arg(long)]
    pub pos_key: PathBuf,
    /// Antom's (the terminal's) public key, PEM file.
    #[arg(long)]
    pub terminal_key: PathBuf,
    /// The terminal's LAN address, for refunds the terminal refuses over the cable; without
    /// it, those are done on the terminal and recorded with `kassactl refund --terminal-ref`.
    #[arg(long)]
    pub lan_host: Option<String>,
    /// The terminal's LAN port.
    #[arg(long, default_value_t = 8344)]
    pub lan_port: u16,
    /// Body envelope profile (ecb unless the terminal is confirmed to use gcm).
    #[arg(long, value_enum, default_value = "ecb")]
    pub envelope: EnvelopeArg,
    /// Terminal Customer Mode (decides the refund rules over the LAN).
    #[arg(long, value_enum, default_value = "off")]
    pub customer_mode: OnOff,
    /// paymentMethod sent with each payment.
    #[arg(long, default_value = "CARD")]
    pub payment_method: String,
    /// Make it the default terminal.
    #[arg(long)]
    pub default: bool,
    /// Timeout overrides.
    #[command(flatten)]
    pub timing: TimingArgs,
}

/// `terminal add kicc`.
#[derive(Args, Debug)]
pub struct KiccArgs {
    /// Name for this terminal.
    #[arg(long)]
    pub name: String,
    /// Bridge host.
    #[arg(long)]
    pub host: String,
    /// Bridge port.
    #[arg(long)]
    pub port: u16,
    /// Merchant id for init.
    #[arg(long)]
    pub merchant_id: String,
    /// Acquirer terminal id (TID).
    #[arg(long)]
    pub acquirer_terminal_id: String,
    /// Business registration number.
    #[arg(long)]
    pub registration_no: String,
    /// File holding the pairing key the bridge app shows (base32; the key stays in this file,
    /// out of the ledger: keep it readable by the Kassa user only).
    #[arg(long = "pairing-key")]
    pub pairing_key: PathBuf,
    /// Seconds the customer has to present a card.
    #[arg(long, default_value_t = 30)]
    pub payment_expiry: u32,
    /// Make it the default terminal.
    #[arg(long)]
    pub default: bool,
    /// Timeout overrides.
    #[command(flatten)]
    pub timing: TimingArgs,
}

/// `terminal add iotpay`.
#[derive(Args, Debug)]
pub struct IotPayArgs {
    /// Name for this terminal.
    #[arg(long)]
    pub name: String,
    /// API base URL (https, or http on loopback only).
    #[arg(long, default_value = "https://api.iotpaycloud.com/v1")]
    pub base_url: String,
    /// Merchant id.
    #[arg(long)]
    pub mch_id: String,
    /// File holding the merchant key (kept out of the ledger).
    #[arg(long)]
    pub key_file: PathBuf,
    /// The merchant's IOT Pay login name, sent as `jobNo` (one per merchant account, not a
    /// cashier's name).
    #[arg(long, value_name = "LOGIN")]
    pub job_no: String,
    /// PAX device id.
    #[arg(long, default_value = "")]
    pub device: String,
    /// Only accept payments in this currency (refused before sending otherwise).
    #[arg(long)]
    pub currency: Option<String>,
    /// Make it the default terminal.
    #[arg(long)]
    pub default: bool,
    /// Timeout overrides.
    #[command(flatten)]
    pub timing: TimingArgs,
}

/// `sale`.
#[derive(Args, Debug)]
pub struct SaleArgs {
    /// Terminal name (default: the default terminal).
    #[arg(long)]
    pub terminal: Option<String>,
    /// Store currency (ISO 4217).
    #[arg(long)]
    pub currency: String,
    /// An item, `NAME:UNIT_PRICE[xQTY]` with the price in major units (`Latte:4500x2`).
    #[arg(long = "item", required = true)]
    pub items: Vec<String>,
    /// Tax rate in percent contained in the prices (VAT), e.g. 10.
    #[arg(long, conflicts_with = "sales_tax")]
    pub vat: Option<String>,
    /// Tax rate in percent added to the prices (sales tax), e.g. 8.875.
    #[arg(long)]
    pub sales_tax: Option<String>,
    /// Card installments (0 = lump sum).
    #[arg(long, default_value_t = 0)]
    pub installments: u8,
    /// Cashier login.
    #[arg(long, default_value = "cashier")]
    pub cashier: String,
}

/// `pay`.
#[derive(Args, Debug)]
pub struct PayArgs {
    /// Order id.
    pub order: String,
    /// Terminal name.
    #[arg(long)]
    pub terminal: Option<String>,
    /// Cashier login.
    #[arg(long, default_value = "cashier")]
    pub cashier: String,
}

/// `refund`.
#[derive(Args, Debug)]
pub struct RefundArgs {
    /// Order id, payment request id or the terminal's payment id.
    #[arg(long)]
    pub payment: String,
    /// Amount in major units (default: everything still refundable).
    #[arg(long)]
    pub amount: Option<String>,
    /// Why.
    #[arg(long, default_value = "")]
    pub reason: String,
    /// Record a refund already done ON the terminal, with its reference (nothing is sent).
    #[arg(long)]
    pub terminal_ref: Option<String>,
}

/// `resolve`.
#[derive(Args, Debug)]
pub struct ResolveArgs {
    /// The attempt's request id.
    pub request_id: String,
    /// The terminal shows it paid.
    #[arg(
        long,
        conflicts_with = "not_paid",
        required_unless_present = "not_paid"
    )]
    pub paid: bool,
    /// The terminal shows it not paid.
    #[arg(long)]
    pub not_paid: bool,
    /// The terminal's reference (required with --paid).
    #[arg(long)]
    pub terminal_ref: Option<String>,
    /// What the terminal's screen or slip shows.
    #[arg(long)]
    pub evidence: String,
}

/// `cancel`.
#[derive(Args, Debug)]
pub struct CancelArgs {
    /// The running attempt's request id.
    pub request_id: String,
    /// Terminal name.
    #[arg(long)]
    pub terminal: Option<String>,
}

/// `orders`.
#[derive(Args, Debug)]
pub struct OrdersArgs {
    /// Only this status (open, paying, paid, unknown, partially-refunded, refunded).
    #[arg(long)]
    pub status: Option<String>,
    /// Only this terminal.
    #[arg(long)]
    pub terminal: Option<String>,
    /// Order id prefix.
    #[arg(long)]
    pub search: Option<String>,
    /// At most this many.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

/// Which copy of a receipt.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyArg {
    /// The customer's copy.
    Customer,
    /// The store's copy (with a signature line for cards).
    Merchant,
}

/// Paper width.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum WidthArg {
    /// 58 mm thermal roll.
    #[value(name = "58", alias = "58mm")]
    W58,
    /// 80 mm thermal roll.
    #[value(name = "80", alias = "80mm")]
    W80,
    /// A4 sheet.
    #[value(name = "a4", alias = "A4")]
    A4,
}

/// Label language of a document.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LangArg {
    /// English.
    En,
    /// Korean.
    Ko,
}

/// `receipt`.
#[derive(Args, Debug)]
pub struct ReceiptArgs {
    /// Order id (or a refund's or an unresolved payment attempt's request id).
    pub id: String,
    /// Which copy.
    #[arg(long, value_enum, default_value = "customer")]
    pub copy: CopyArg,
    /// Paper width the receipt is laid out for.
    #[arg(long, value_enum, default_value = "80")]
    pub width: WidthArg,
    /// Label language (default: the print settings, else Korean for a KRW store).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// The PDF file to write.
    #[arg(long)]
    pub out: PathBuf,
}

/// `print`.
#[derive(Args, Debug)]
pub struct PrintArgs {
    /// Order id (or a refund's or an unresolved payment attempt's request id).
    pub id: String,
    /// Which copy.
    #[arg(long, value_enum, default_value = "customer")]
    pub copy: CopyArg,
    /// Printer name (default: the default printer).
    #[arg(long)]
    pub printer: Option<String>,
}

/// Reports.
#[derive(Subcommand, Debug)]
pub enum ReportCmd {
    /// The Z report: of the open period (what closing the day would record), or of one
    /// business day with --date.
    Z(ZArgs),
}

/// `report z`.
#[derive(Args, Debug)]
pub struct ZArgs {
    /// Business day, YYYY-MM-DD (default: the open period since the last day close).
    #[arg(long)]
    pub date: Option<String>,
    /// The PDF file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the figures as CSV to this file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Paper width.
    #[arg(long, value_enum, default_value = "a4")]
    pub width: WidthArg,
    /// Label language.
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
}

/// Kinds of printer.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrinterKind {
    /// The system's print system (CUPS `lp`).
    Cups,
    /// Save each document as a PDF in a folder.
    Folder,
    /// A network thermal printer (ESC/POS on TCP 9100).
    Escpos,
}

/// Printer commands.
#[derive(Subcommand, Debug)]
pub enum PrinterCmd {
    /// Add or replace a printer.
    Add(PrinterAddArgs),
    /// List printers and the print queue's status.
    List,
    /// Print a printer's test page now.
    Test {
        /// Printer name.
        name: String,
    },
    /// Remove a printer.
    Remove {
        /// Printer name.
        name: String,
    },
    /// Print every job that waits now (all of them, or one job), whatever its retry time.
    Retry {
        /// Only this job.
        job: Option<i64>,
    },
}

/// `printer add`.
#[derive(Args, Debug)]
pub struct PrinterAddArgs {
    /// Name for this printer.
    pub name: String,
    /// Kind of printer.
    #[arg(long, value_enum)]
    pub kind: PrinterKind,
    /// CUPS queue (cups).
    #[arg(long, required_if_eq("kind", "cups"))]
    pub queue: Option<String>,
    /// CUPS scheduler other than the system's: host[:port] or socket path (cups).
    #[arg(long)]
    pub server: Option<String>,
    /// Path of the `lp` program (cups; default `lp` on PATH).
    #[arg(long)]
    pub lp: Option<String>,
    /// Folder the PDFs are saved in (folder).
    #[arg(long, required_if_eq("kind", "folder"))]
    pub folder: Option<PathBuf>,
    /// host or host:port of the thermal printer (escpos; port 9100 by default).
    #[arg(long, required_if_eq("kind", "escpos"))]
    pub addr: Option<String>,
    /// Paper it holds.
    #[arg(long, value_enum, default_value = "80")]
    pub paper: WidthArg,
    /// Make it the default printer.
    #[arg(long)]
    pub default: bool,
}

/// Parses a duration written as seconds (`30`, `30s`) or milliseconds (`500ms`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let bad = || format!("{text:?} is not a duration: write 30, 30s or 500ms");
    if let Some(ms) = t.strip_suffix("ms") {
        return ms
            .trim()
            .parse()
            .map(Duration::from_millis)
            .map_err(|_| bad());
    }
    t.trim_end_matches('s')
        .trim()
        .parse()
        .map(Duration::from_secs)
        .map_err(|_| bad())
}

/// Parses `NAME:UNIT_PRICE[xQTY]`, returning the name, the price text and the quantity.
pub fn parse_item(text: &str) -> Result<(String, String, u32), String> {
    let (name, rest) = text.rsplit_once(':').ok_or_else(|| {
        format!("item {text:?} must look like NAME:PRICE or NAME:PRICExQTY, e.g. Latte:4500x2")
    })?;
    let (price, qty) = match rest.split_once(['x', 'X', '*']) {
        Some((p, q)) => {
            let q: u32 = q
                .trim()
                .parse()
                .map_err(|_| format!("quantity {q:?} in item {text:?} is not a whole number"))?;
            (p, q)
        }
        None => (rest, 1),
    };
    if name.trim().is_empty() {
        return Err(format!("item {text:?} has no name"));
    }
    if qty == 0 {
        return Err(format!("item {text:?} has quantity 0"));
    }
    Ok((name.trim().to_string(), price.trim().to_string(), qty))
}

/// Parses a percentage with at most two decimals into basis points (`8.75` → 875).
pub fn parse_percent(text: &str) -> Result<u32, String> {
    let t = text.trim().trim_end_matches('%');
    let (i, f) = t.split_once('.').unwrap_or((t, ""));
    let ok = !i.is_empty()
        && f.len() <= 2
        && i.chars().all(|c| c.is_ascii_digit())
        && f.chars().all(|c| c.is_ascii_digit());
    if !ok {
        return Err(format!(
            "tax rate {text:?} must be a percentage like 10 or 8.25"
        ));
    }
    let frac = format!("{f:0<2}");
    let bp: u32 = format!("{i}{frac}")
        .parse()
        .map_err(|_| format!("tax rate {text:?} is too large"))?;
    if bp > 10_000 {
        return Err(format!("tax rate {text:?} is above 100%"));
    }
    Ok(bp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_as_people_type_them() {
        assert_eq!(
            parse_item("Latte:4500x2").unwrap(),
            ("Latte".into(), "4500".into(), 2)
        );
        assert_eq!(
            parse_item("Tea: 12.50").unwrap(),
            ("Tea".into(), "12.50".into(), 1)
        );
        assert_eq!(
            parse_item("a:b:1x3").unwrap(),
            ("a:b".into(), "1".into(), 3)
        );
        assert!(parse_item("Latte").is_err());
        assert!(parse_item("Latte:4500x0").is_err());
        assert!(parse_item(":4500").is_err());
    }

    #[test]
    fn durations_in_seconds_or_milliseconds() {
        assert_eq!(parse_duration("30").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn settings_take_the_codes_and_the_time_zone() {
        let cli = Cli::try_parse_from([
            "kassactl",
            "settings",
            "--store-code",
            "ST01",
            "--till-code",
            "2",
            "--time-zone",
            "Europe/Berlin",
        ])
        .unwrap();
        let Command::Settings(a) = cli.command else {
            panic!("not settings: {:?}", cli.command)
        };
        assert_eq!(a.store_code.as_deref(), Some("ST01"));
        assert_eq!(a.till_code.as_deref(), Some("2"));
        assert_eq!(a.time_zone.as_deref(), Some("Europe/Berlin"));
        let shown = Cli::try_parse_from(["kassactl", "--json", "settings"]).unwrap();
        assert!(matches!(
            shown.command,
            Command::Settings(SettingsArgs {
                store_code: None,
                till_code: None,
                time_zone: None
            })
        ));
    }

    #[test]
    fn percentages_become_basis_points_exactly() {
        assert_eq!(parse_percent("10").unwrap(), 1000);
        assert_eq!(parse_percent("8.25%").unwrap(), 825);
        assert_eq!(parse_percent("8.5").unwrap(), 850);
        assert!(parse_percent("8.875").is_err());
        assert!(parse_percent("101").is_err());
        assert!(parse_percent("ten").is_err());
    }
}
