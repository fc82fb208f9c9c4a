//! `kassactl`: the headless front over `kassa-app`. Every command can print JSON (`--json`);
//! exit codes tell declined, unknown and usage errors apart (see `kassactl --help`).

mod args;
mod output;
mod printing;

use args::{AddTerminal, AuditCmd, Cli, Command, OnOff, TerminalCmd, TimingArgs};
use clap::Parser;
use kassa_app::{
    AppError, ManualRefund, OpenOptions, RefundCommand, SaleItem, SaleRequest, Service,
};
use kassa_core::{AttemptState, Currency, Money, TaxRate, Timing};
use output::Out;
use std::process::ExitCode;
use std::time::Duration;

/// Exit code: internal error.
const EXIT_INTERNAL: u8 = 1;
/// Exit code: usage or configuration error.
const EXIT_USAGE: u8 = 2;
/// Exit code: declined or refused.
const EXIT_DECLINED: u8 = 3;
/// Exit code: outcome unknown.
const EXIT_UNKNOWN: u8 = 4;
/// Exit code: not allowed now.
const EXIT_CONFLICT: u8 = 5;
/// Exit code: the audit log failed verification.
const EXIT_TAMPERED: u8 = 6;
/// Exit code: the printer did not print (the job stays queued and is retried).
const EXIT_PRINTER: u8 = 7;

fn main() -> ExitCode {
    // Test builds only: arm the crash points named in FAILPOINTS (see kassa_app::crashpoints).
    #[cfg(feature = "failpoints")]
    let _crash_points = kassa_app::crashpoints::setup();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KASSA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        // Colour only on a terminal: logs redirected to a file stay plain, searchable text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let out = Out { json: cli.json };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            out.error("internal", &format!("cannot start: {e}"));
            return ExitCode::from(EXIT_INTERNAL);
        }
    };
    match rt.block_on(run(cli, &out)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            out.error(e.code(), &e.to_string());
            ExitCode::from(exit_for_error(&e))
        }
    }
}

fn exit_for_error(e: &AppError) -> u8 {
    match e.code() {
        "usage" | "config" | "not-found" => EXIT_USAGE,
        "conflict" | "refund-limit" => EXIT_CONFLICT,
        _ if matches!(e, AppError::Printer { .. }) => EXIT_PRINTER,
        _ => EXIT_INTERNAL,
    }
}

fn exit_for_state(s: AttemptState) -> u8 {
    match s {
        AttemptState::Succeeded => 0,
        AttemptState::Failed | AttemptState::Refused => EXIT_DECLINED,
        AttemptState::Unknown
        | AttemptState::NeedsManager
        | AttemptState::Created
        | AttemptState::Sending
        | AttemptState::Awaiting => EXIT_UNKNOWN,
    }
}

async fn run(cli: Cli, out: &Out) -> Result<u8, AppError> {
    // The USB bus is not in the ledger: nothing is opened or created to list it.
    if let Command::Usb(cmd) = &cli.command {
        return usb(*cmd, out).await;
    }
    let env_dir = std::env::var("KASSA_DATA_DIR").ok();
    let path = kassa_app::paths::ledger_path(cli.db.clone(), env_dir.as_deref())?;
    // Terminal set-up and read-only views need no reconciliation; everything that may start
    // or settle a payment reconciles first.
    let needs_recovery = matches!(
        cli.command,
        Command::Sale(_) | Command::Pay(_) | Command::Refund(_) | Command::Recover
    );
    let svc = if needs_recovery {
        let (svc, report) = Service::start(OpenOptions::new(path)).await?;
        if report.examined > 0 && !matches!(cli.command, Command::Recover) {
            out.recovery(&report);
        }
        if matches!(cli.command, Command::Recover) {
            out.recovery(&report);
            // Unsettled (a manager's, or another process's) is "unknown"; a failure is internal.
            return Ok(if !report.errors.is_empty() {
                EXIT_INTERNAL
            } else if report.needs_manager.is_empty() && report.running_elsewhere.is_empty() {
                0
            } else {
                EXIT_UNKNOWN
            });
        }
        svc
    } else {
        Service::open(OpenOptions::new(path))?
    };
    let actor = cli.actor.clone();
    match cli.command {
        Command::Terminal(t) => terminal(&svc, t, &actor, out).await,
        // Answered before the ledger was opened.
        Command::Usb(_) => Ok(0),
        Command::Sale(s) => {
            let currency = currency(&s.currency)?;
            let tax = match (&s.vat, &s.sales_tax) {
                (Some(v), _) => TaxRate {
                    basis_points: pct(v)?,
                    inclusive: true,
                },
                (None, Some(t)) => TaxRate {
                    basis_points: pct(t)?,
                    inclusive: false,
                },
                (None, None) => TaxRate::NONE,
            };
            let mut items = Vec::new();
            for text in &s.items {
                let (name, price, quantity) = args::parse_item(text).map_err(AppError::Usage)?;
                let unit = Money::parse_major(&price, currency)
                    .map_err(|e| AppError::Usage(format!("item {name:?}: {e}")))?;
                items.push(SaleItem {
                    name,
                    unit_price_minor: unit.minor,
                    quantity,
                    tax,
                });
            }
            let req = SaleRequest {
                terminal: s.terminal,
                currency,
                items,
                cashier: s.cashier,
                installments: s.installments,
            };
            let sink = out.event_sink();
            let report = svc.sale(req, &sink).await?;
            out.payment(&report);
            printing::print_pending(&svc).await;
            Ok(exit_for_state(report.status))
        }
        Command::Pay(p) => {
            let sink = out.event_sink();
            let report = svc
                .pay_order(&p.order, p.terminal.as_deref(), &p.cashier, 0, &sink)
                .await?;
            out.payment(&report);
            printing::print_pending(&svc).await;
            Ok(exit_for_state(report.status))
        }
        Command::Refund(r) => {
            let amount_minor = match &r.amount {
                Some(text) => {
                    let p = svc.find_payment(&r.payment)?;
                    let m = Money::parse_major(text, p.amount.currency)
                        .map_err(|e| AppError::Usage(format!("--amount: {e}")))?;
                    Some(m.minor)
                }
                None => None,
            };
            let report = match r.terminal_ref {
                Some(terminal_ref) => svc.record_manual_refund(ManualRefund {
                    payment: r.payment,
                    amount_minor,
                    terminal_ref,
                    reason: r.reason,
                    actor,
                })?,
                None => {
                    svc.refund(RefundCommand {
                        payment: r.payment,
                        amount_minor,
                        reason: r.reason,
                        actor,
                    })
                    .await?
                }
            };
            out.refund(&report);
            printing::print_pending(&svc).await;
            Ok(exit_for_state(report.status))
        }
        Command::Resolve(r) => {
            let report = svc.resolve(&r.request_id, r.paid, r.terminal_ref, r.evidence, &actor)?;
            out.payment(&report);
            Ok(0)
        }
        Command::Cancel(c) => {
            let terminal = match c.terminal {
                Some(t) => t,
                None => svc
                    .ledger()
                    .attempt(&c.request_id)?
                    .map(|a| a.terminal)
                    .ok_or_else(|| AppError::NotFound(format!("no attempt {:?}", c.request_id)))?,
            };
            let ack = svc.cancel(&terminal, &c.request_id).await?;
            out.value(
                &serde_json::json!({"request_id": c.request_id, "cancel": ack}),
                &format!(
                    "cancel {:?}: the payment's own outcome decides what happened",
                    ack
                ),
            );
            Ok(0)
        }
        Command::Orders(o) => {
            let list = svc.orders(o.status.as_deref(), o.terminal, o.search, o.limit)?;
            out.orders(&list);
            Ok(0)
        }
        Command::Order { id } => {
            let detail = svc.order_detail(&id)?;
            out.order_detail(&detail);
            Ok(0)
        }
        Command::Audit { cmd } => match cmd.unwrap_or(AuditCmd::List) {
            AuditCmd::List => {
                let log = svc.ledger().audit_log()?;
                out.audit(&log);
                Ok(0)
            }
            AuditCmd::Verify => {
                let v = svc.ledger().verify_audit()?;
                out.audit_verification(&v);
                Ok(if v.is_intact() { 0 } else { EXIT_TAMPERED })
            }
        },
        Command::Receipt(a) => printing::receipt(&svc, a, out),
        Command::Print(a) => printing::print(&svc, a, &actor, out).await,
        Command::Report(r) => printing::report(&svc, r, &actor, out),
        Command::Printer(p) => printing::printer(&svc, p, &actor, out).await,
        Command::Recover => Ok(0),
        Command::Settings(a) => {
            let changes = [&a.store_code, &a.till_code, &a.time_zone];
            let s = if changes.iter().any(|c| c.is_some()) {
                svc.save_store_identity(
                    &actor,
                    a.store_code.as_deref(),
                    a.till_code.as_deref(),
                    a.time_zone.as_deref(),
                )?
            } else {
                svc.store_settings()?
            };
            out.store_settings(&s);
            Ok(0)
        }
    }
}

async fn terminal(svc: &Service, cmd: TerminalCmd, actor: &str, out: &Out) -> Result<u8, AppError> {
    match cmd {
        TerminalCmd::Add(add) => {
            let (name, kind, config, default) = terminal_config(*add)?;
            let view = svc.add_terminal(&name, kind, config, default, actor)?;
            out.value(
                &serde_json::to_value(&view).unwrap_or_default(),
                &format!(
                    "terminal {:?} ({}) saved{}",
                    view.name,
                    view.kind,
                    if view.is_default {
                        " as the default"
                    } else {
                        ""
                    }
                ),
            );
            Ok(0)
        }
        TerminalCmd::List => {
            let list = svc.list_terminals()?;
            out.terminals(&list);
            Ok(0)
        }
        TerminalCmd::Diagnose { name } => {
            let d = svc.diagnose(&name).await?;
            out.value(
                &serde_json::to_value(&d).unwrap_or_default(),
                &if d.ready {
                    format!("{name}: ready")
                } else {
                    format!("{name}: NOT ready — {}", d.detail)
                },
            );
            Ok(if d.ready { 0 } else { EXIT_DECLINED })
        }
        TerminalCmd::Remove { name } => {
            svc.remove_terminal(&name, actor)?;
            out.value(
                &serde_json::json!({"removed": name}),
                &format!("terminal {name:?} removed"),
            );
            Ok(0)
        }
    }
}

fn terminal_config(
    add: AddTerminal,
) -> Result<(String, &'static str, serde_json::Value, bool), AppError> {
    let to_json = |v: Result<serde_json::Value, serde_json::Error>| {
        v.map_err(|e| AppError::Config(format!("cannot store the settings: {e}")))
    };
    match add {
        AddTerminal::AntomLan(a) => {
            let cfg = kassa_antom::AntomConfig {
                host: a.host,
                port: a.port,
                client_id: a.client_id,
                pos_key_path: absolute(a.pos_key),
                terminal_key_path: absolute(a.terminal_key),
                envelope: match a.envelope {
                    args::EnvelopeArg::Gcm => kassa_antom::Envelope::Gcm,
                    args::EnvelopeArg::Ecb => kassa_antom::Envelope::Ecb,
                },
                customer_mode: a.customer_mode == OnOff::On,
                payment_method: a.payment_method,
                timing: timing(kassa_antom::AntomConfig::default_timing(), &a.timing),
            };
            Ok((
                a.name,
                kassa_app::registry::ANTOM_LAN,
                to_json(serde_json::to_value(cfg))?,
                a.default,
            ))
        }
        AddTerminal::AntomUsb(a) => {
            let cfg = kassa_antom::usb::AntomUsbConfig {
                serial: a.serial,
                client_id: a.client_id,
                pos_key_path: absolute(a.pos_key),
                terminal_key_path: absolute(a.terminal_key),
                envelope: match a.envelope {
                    args::EnvelopeArg::Gcm => kassa_antom::Envelope::Gcm,
                    args::EnvelopeArg::Ecb => kassa_antom::Envelope::Ecb,
                },
                customer_mode: a.customer_mode == OnOff::On,
                payment_method: a.payment_method,
                timing: timing(kassa_antom::AntomConfig::default_timing(), &a.timing),
                lan_host: a.lan_host,
                lan_port: a.lan_port,
            };
            Ok((
                a.name,
                kassa_app::registry::ANTOM_USB,
                to_json(serde_json::to_value(cfg))?,
                a.default,
            ))
        }
        AddTerminal::Kicc(k) => {
            let cfg = kassa_kicc::KiccConfig {
                host: k.host,
                port: k.port,
                merchant_id: k.merchant_id,
                acquirer_terminal_id: k.acquirer_terminal_id,
                registration_no: k.registration_no,
                pairing_key_file: absolute(k.pairing_key),
                payment_expiry_secs: k.payment_expiry,
                timing: timing(kassa_kicc::KiccConfig::default_timing(), &k.timing),
            };
            Ok((
                k.name,
                kassa_app::registry::KICC,
                to_json(serde_json::to_value(cfg))?,
                k.default,
            ))
        }
        AddTerminal::Iotpay(i) => {
            let cfg = kassa_iotpay::IotPayConfig {
                base_url: i.base_url,
                mch_id: i.mch_id,
                job_no: i.job_no,
                device: i.device,
                key_file: absolute(i.key_file),
                currency: match &i.currency {
                    Some(c) => Some(currency(c)?),
                    None => None,
                },
                timing: timing(kassa_iotpay::IotPayConfig::default_timing(), &i.timing),
            };
            Ok((
                i.name,
                kassa_app::registry::IOTPAY,
                to_json(serde_json::to_value(cfg))?,
                i.default,
            ))
        }
    }
}

/// `usb list`: what is on the bus that is, or may be, an N950.
async fn usb(cmd: args::UsbCmd, out: &Out) -> Result<u8, AppError> {
    match cmd {
        args::UsbCmd::List => {
            let found = kassa_app::registry::usb_terminals().await?;
            let mut text: Vec<String> = found
                .iter()
                .map(|d| {
                    let name = [&d.manufacturer, &d.product]
                        .into_iter()
                        .flatten()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" ");
                    format!(
                        "{}  {}  {:<12} serial {:<16} {}\n    {}",
                        d.ids,
                        d.location,
                        d.state,
                        d.serial.as_deref().unwrap_or("-"),
                        name,
                        d.detail
                    )
                })
                .collect();
            if text.is_empty() {
                text.push(
                    "no N950 terminal on USB: check that it is on and that the cable is a data \
                     cable; on Linux also the udev rule (docs/OPERATOR.md)"
                        .to_string(),
                );
            }
            out.value(
                &serde_json::to_value(&found).unwrap_or_default(),
                &text.join("\n"),
            );
            Ok(0)
        }
    }
}

/// Key files are stored as absolute paths so the app finds them from any working directory.
fn absolute(p: std::path::PathBuf) -> std::path::PathBuf {
    std::path::absolute(&p).unwrap_or(p)
}

fn timing(mut t: Timing, o: &TimingArgs) -> Timing {
    let set = |slot: &mut Duration, v: Option<Duration>| {
        if let Some(d) = v {
            *slot = d;
        }
    };
    set(&mut t.pay, o.pay_timeout);
    set(&mut t.inquiry, o.inquiry_timeout);
    set(&mut t.refund, o.refund_timeout);
    set(&mut t.diagnose, o.diagnose_timeout);
    set(&mut t.poll_interval, o.poll_interval);
    set(&mut t.recovery_window, o.recovery_window);
    t
}

fn currency(code: &str) -> Result<Currency, AppError> {
    Currency::from_code(code).map_err(|e| AppError::Usage(e.to_string()))
}

fn pct(text: &str) -> Result<u32, AppError> {
    args::parse_percent(text).map_err(AppError::Usage)
}
