//! The emulated device running a Purchase by its scenario: the events a customer's card
//! causes, a CommandCancel racing the card read, the charge, and how the answer reaches (or
//! does not reach) the POS. Every charge is written to the device's log before any answer.

use super::device::{
    approved_response, failed_response, meta_for, to_value, Asked, Device, Out, TxRecord, TxResult,
};
use super::scenario::{Scenario, SimTiming, LATE_ANSWER};
use kassa_kicc::wire::{AmountValue, Frame, ResponseData, CMD_PURCHASE};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Notify};

/// One running purchase's view of the world.
pub(crate) struct Ctx {
    pub(crate) dev: Arc<Device>,
    pub(crate) out: mpsc::UnboundedSender<Out>,
    pub(crate) id: String,
    pub(crate) timing: SimTiming,
    pub(crate) wake: Arc<Notify>,
    pub(crate) refused: Arc<Notify>,
}

impl Ctx {
    pub(crate) fn send(&self, f: Frame) {
        let _ = self.out.send(Out::Frame(f));
    }

    fn event(&self, code: &str) {
        self.send(Frame::Event {
            id: self.id.clone(),
            code: code.into(),
        });
    }

    async fn pause(d: Duration) {
        if !d.is_zero() {
            tokio::time::sleep(d).await;
        }
    }

    fn cancelled(&self) -> bool {
        self.dev
            .lock()
            .running
            .as_ref()
            .is_some_and(|r| r.cancelled)
    }

    /// Waits `d` unless a cancel comes first; true when the purchase was cancelled.
    async fn wait_or_cancel(&self, d: Duration) -> bool {
        if !self.cancelled() && !d.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(d) => {}
                _ = self.wake.notified() => {}
            }
        }
        self.cancelled()
    }

    /// Reads the card unless a cancel came first (atomically: a cancel after this is refused).
    fn read_card(&self) -> bool {
        let mut st = self.dev.lock();
        match st.running.as_mut() {
            Some(r) if !r.cancelled => {
                r.card_read = true;
                drop(st);
                self.event("CARD_READ_COMPLETED");
                true
            }
            _ => false,
        }
    }

    fn record(&self, a: &Asked, result: TxResult, response: &ResponseData) {
        let mut st = self.dev.lock();
        st.log.push(TxRecord {
            command: CMD_PURCHASE,
            request_id: a.request_id.clone(),
            amount: a.amount,
            terminal_id: a.terminal_id.clone(),
            registration_no: a.registration_no.clone(),
            result,
            cancelled_by: None,
            original: None,
            response: response.clone(),
        });
        st.running = None;
    }

    fn finish_failed(&self, a: &Asked, code: &str, message: &str) {
        let r = failed_response(CMD_PURCHASE, a, code, message);
        self.record(a, TxResult::Failed { code: code.into() }, &r);
        self.send(Frame::BusinessFailed {
            id: self.id.clone(),
            response_data: to_value(&r),
        });
    }

    fn finish_cancelled(&self, a: &Asked) {
        self.finish_failed(
            a,
            "ORDER_IS_CANCELED",
            "The payment was cancelled at the POS",
        );
    }

    /// Charges the card and logs it; returns the success responseData.
    fn charge(&self, a: &Asked) -> ResponseData {
        let (approval_num, transaction_id) = self.dev.lock().next_ids();
        let meta = meta_for(&a.request_id, &transaction_id);
        let r = approved_response(CMD_PURCHASE, a, &approval_num, &transaction_id, Some(meta));
        self.record(
            a,
            TxResult::Approved {
                approval_num,
                transaction_id,
            },
            &r,
        );
        r
    }
}

/// Runs one purchase to its end.
pub(crate) async fn run(ctx: Ctx, a: Asked, scenario: Scenario, expiry_secs: u64) {
    let t = ctx.timing;
    if let Scenario::BusinessFail(code) = scenario {
        if Scenario::fails_before_ready(code) {
            return ctx.finish_failed(
                &a,
                code.as_str(),
                "Rejected by KICC before the card was asked for",
            );
        }
    }
    ctx.event("READY");
    if scenario == Scenario::Hang {
        // The purchase stays running: the device answers every other command "busy".
        return std::future::pending().await;
    }
    if scenario == Scenario::DropBeforeCharge {
        let m = "The POS connection was lost before the card was read";
        let r = failed_response(CMD_PURCHASE, &a, "ORDER_IS_CANCELED", m);
        ctx.record(
            &a,
            TxResult::Failed {
                code: "ORDER_IS_CANCELED".into(),
            },
            &r,
        );
        let _ = ctx.out.send(Out::Close);
        return;
    }
    if matches!(scenario, Scenario::ForgeSuccess | Scenario::UnsignedSuccess) {
        let m = "The POS connection was lost before the card was read";
        let r = failed_response(CMD_PURCHASE, &a, "ORDER_IS_CANCELED", m);
        ctx.record(
            &a,
            TxResult::Failed {
                code: "ORDER_IS_CANCELED".into(),
            },
            &r,
        );
        // What an eavesdropper can copy from the command: request id and amount.
        let forged = Frame::Success {
            id: ctx.id.clone(),
            response_data: to_value(&approved_response(
                CMD_PURCHASE,
                &a,
                "00000001",
                "T99999999999",
                Some(meta_for(&a.request_id, "T99999999999")),
            )),
        };
        let _ = ctx.out.send(if scenario == Scenario::ForgeSuccess {
            Out::Forged(forged)
        } else {
            Out::Unsigned(forged)
        });
        return;
    }
    if scenario == Scenario::NoCard {
        let wait = t.card_timeout.unwrap_or(Duration::from_secs(expiry_secs));
        if ctx.wait_or_cancel(wait).await {
            return ctx.finish_cancelled(&a);
        }
        return ctx.finish_failed(
            &a,
            "PROCESS_FAIL",
            "No card was presented before paymentExpiryTime",
        );
    }
    if ctx.wait_or_cancel(t.card_wait).await {
        return ctx.finish_cancelled(&a);
    }
    ctx.event("CARD_DETECTED");
    let retry = match scenario {
        Scenario::TryAgain => Some("CARD_TRY_AGAIN"),
        Scenario::FallbackMagstripe => Some("FALLBACK_MAGCARDREADER"),
        Scenario::RequireInsert => Some("REQUIRE_CARD_INSERT"),
        _ => None,
    };
    if let Some(code) = retry {
        Ctx::pause(t.step).await;
        ctx.event(code);
        if ctx.wait_or_cancel(t.card_wait).await {
            return ctx.finish_cancelled(&a);
        }
        ctx.event("CARD_DETECTED");
    }
    if scenario == Scenario::Noise {
        ctx.event("CARD_BENT");
        let _ = ctx
            .out
            .send(Out::Raw(r#"{"type":"telemetry","battery":81}"#.into()));
        ctx.send(Frame::Event {
            id: "not-a-command".into(),
            code: "READY".into(),
        });
    }
    Ctx::pause(t.step).await;
    if !ctx.read_card() {
        return ctx.finish_cancelled(&a);
    }
    if scenario == Scenario::HoldAfterRead {
        tokio::select! {
            _ = tokio::time::sleep(t.hold) => {}
            _ = ctx.refused.notified() => {}
        }
    }
    if a.amount > 50_000 {
        Ctx::pause(t.step).await;
        ctx.event("PENDING_SIGNATURE");
        Ctx::pause(t.signature).await;
    }
    Ctx::pause(t.step).await;
    ctx.event("START_TRANSACTION");
    Ctx::pause(t.authorise).await;
    let id = ctx.id.clone();
    match scenario {
        Scenario::BusinessFail(code) => {
            ctx.finish_failed(&a, code.as_str(), &format!("{code} (emulated)"));
        }
        Scenario::ResponseTimeout => {
            ctx.charge(&a);
            ctx.send(Frame::CommandFailed {
                id,
                error_code: "CommandResponseTimeout".into(),
                error_message: "The command was executed, but no response was returned".into(),
            });
        }
        Scenario::DropAfterCharge => {
            ctx.charge(&a);
            let _ = ctx.out.send(Out::Close);
        }
        Scenario::Silent => {
            ctx.charge(&a);
        }
        Scenario::LateAnswer => {
            let r = ctx.charge(&a);
            tokio::time::sleep(LATE_ANSWER).await;
            ctx.send(Frame::Success {
                id,
                response_data: to_value(&r),
            });
        }
        Scenario::GarbageLine => {
            ctx.charge(&a);
            let _ = ctx.out.send(Out::Raw("<<502 Bad Gateway>> \u{1}not json".into()));
        }
        Scenario::TruncatedLine => {
            let r = ctx.charge(&a);
            let _ = ctx.out.send(Out::Truncated(Frame::Success {
                id,
                response_data: to_value(&r),
            }));
        }
        Scenario::WrongMac | Scenario::SkipSeq => {
            let r = ctx.charge(&a);
            let frame = Frame::Success {
                id,
                response_data: to_value(&r),
            };
            let _ = ctx.out.send(if scenario == Scenario::WrongMac {
                Out::WrongKey(frame)
            } else {
                Out::SkipSeq(frame)
            });
        }
        Scenario::TamperedBody => {
            let r = ctx.charge(&a);
            let mut shown = r.clone();
            shown.payment_amount = Some(AmountValue::krw(a.amount - 100));
            let _ = ctx.out.send(Out::Tampered(
                Frame::Success {
                    id: id.clone(),
                    response_data: to_value(&r),
                },
                Frame::Success {
                    id,
                    response_data: to_value(&shown),
                },
            ));
        }
        Scenario::ReplayLine => {
            ctx.charge(&a);
            let _ = ctx.out.send(Out::ReplayLast);
        }
        Scenario::WrongAmount | Scenario::WrongCurrency => {
            let mut r = ctx.charge(&a);
            r.payment_amount = Some(if scenario == Scenario::WrongAmount {
                AmountValue::krw(a.amount + 1)
            } else {
                AmountValue {
                    currency: "USD".into(),
                    ..AmountValue::krw(a.amount)
                }
            });
            ctx.send(Frame::Success {
                id,
                response_data: to_value(&r),
            });
        }
        Scenario::ReplayPrevious => {
            let r = ctx.charge(&a);
            let previous = {
                let st = ctx.dev.lock();
                let n = st.log.len();
                n.checked_sub(2).map(|i| (st.log[i].response.clone(), st.log[i].result.clone()))
            };
            ctx.send(match previous {
                Some((p, TxResult::Failed { .. })) => Frame::BusinessFailed {
                    id,
                    response_data: to_value(&p),
                },
                Some((p, TxResult::Approved { .. })) => Frame::Success {
                    id,
                    response_data: to_value(&p),
                },
                None => Frame::Success {
                    id,
                    response_data: to_value(&r),
                },
            });
        }
        Scenario::Happy
        | Scenario::TryAgain
        | Scenario::FallbackMagstripe
        | Scenario::RequireInsert
        | Scenario::NoCard
        | Scenario::HoldAfterRead
        | Scenario::Busy
        | Scenario::Noise
        // These ended before the card was read.
        | Scenario::Hang
        | Scenario::DropBeforeCharge
        | Scenario::ForgeSuccess
        | Scenario::UnsignedSuccess => {
            let r = ctx.charge(&a);
            ctx.send(Frame::Success {
                id,
                response_data: to_value(&r),
            });
        }
    }
}

/// Answers a CommandCancel from the device's state: accepted (with CANCELLING on the
/// purchase) until the card is read, refused with `CommandInvalid` after.
pub(crate) fn command_cancel(dev: &Device, out: &mpsc::UnboundedSender<Out>, id: String) {
    let send = |f: Frame| {
        let _ = out.send(Out::Frame(f));
    };
    let mut st = dev.lock();
    match st.running.as_mut() {
        Some(r) if !r.card_read && !r.cancelled => {
            r.cancelled = true;
            let _ = r.out.send(Out::Frame(Frame::Event {
                id: r.command_id.clone(),
                code: "CANCELLING".into(),
            }));
            send(Frame::Success {
                id,
                response_data: serde_json::json!({}),
            });
            r.wake.notify_one();
        }
        Some(r) => {
            send(Frame::CommandFailed {
                id,
                error_code: "CommandInvalid".into(),
                error_message: "CommandCancel is only possible before the card is read".into(),
            });
            r.refused.notify_one();
        }
        None => send(Frame::CommandFailed {
            id,
            error_code: "CommandInvalid".into(),
            error_message: "No command is running".into(),
        }),
    }
}
