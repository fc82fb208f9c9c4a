// The payment dialog's state: a pure reducer over what happens during a payment (the cashier
// pressed Pay, the terminal sent an event, the cashier asked to cancel, the final report or an
// error arrived), plus the words the cashier sees for each phase and outcome. The Svelte
// component only renders this state, so every rule here is unit-tested.

import type { AttemptState, Decline, ErrorView, Phase, PaymentResult, TerminalEvent } from "./bindings";
import { applyCountdown, NO_COUNTDOWN, type CountdownState } from "./countdown";

/** What the dialog shows. */
export type DialogState =
  | { kind: "idle" }
  | { kind: "starting"; orderId: string; terminal: string | null }
  | {
      kind: "running";
      orderId: string;
      terminal: string | null;
      requestId: string;
      phase: Phase;
      canCancel: boolean;
      cancelRequested: boolean;
      countdown: CountdownState;
      vendorCode: string;
    }
  | { kind: "approved"; report: PaymentResult }
  | { kind: "declined"; report: PaymentResult }
  | { kind: "unknown"; report: PaymentResult }
  | { kind: "error"; error: ErrorView; orderId: string | null };

/** Things that happen to the dialog. */
export type DialogAction =
  | { type: "start"; orderId: string; terminal: string | null }
  | { type: "event"; event: TerminalEvent; now: number }
  | { type: "cancel-requested" }
  | { type: "cancel-refused" }
  | { type: "finished"; report: PaymentResult }
  | { type: "failed"; error: ErrorView }
  | { type: "dismiss" };

export const IDLE: DialogState = { kind: "idle" };

/** Which outcome screen a final attempt state belongs to. */
export function outcomeKind(status: AttemptState): "approved" | "declined" | "unknown" | "running" {
  switch (status) {
    case "succeeded":
      return "approved";
    case "failed":
    case "refused":
      return "declined";
    case "unknown":
    case "needs-manager":
      return "unknown";
    case "created":
    case "sending":
    case "awaiting":
      return "running";
  }
}

/** True while the dialog must stay open and block the checkout. */
export function isBusy(s: DialogState): boolean {
  return s.kind === "starting" || s.kind === "running";
}

/** True when the Cancel button is shown: only while the driver says a cancel can work. */
export function cancelShown(s: DialogState): boolean {
  return s.kind === "running" && s.canCancel && !s.cancelRequested;
}

/** True when the cashier may close the dialog (never while the outcome is not known). */
export function canDismiss(s: DialogState): boolean {
  return s.kind === "approved" || s.kind === "declined" || s.kind === "error" || s.kind === "idle";
}

export function reduce(s: DialogState, a: DialogAction): DialogState {
  switch (a.type) {
    case "start":
      // A second Pay while a payment runs changes nothing: the button is disabled too, and the
      // service refuses a second attempt on the order anyway.
      if (isBusy(s) || s.kind === "unknown") return s;
      return { kind: "starting", orderId: a.orderId, terminal: a.terminal };
    case "event": {
      if (s.kind !== "starting" && s.kind !== "running") return s;
      const e = a.event;
      if (s.kind === "running" && s.requestId !== e.request_id) return s;
      const prev = s.kind === "running" ? s.countdown : NO_COUNTDOWN;
      return {
        kind: "running",
        orderId: s.orderId,
        terminal: s.terminal,
        requestId: e.request_id,
        phase: e.phase,
        canCancel: e.can_cancel,
        cancelRequested: s.kind === "running" ? s.cancelRequested && e.can_cancel : false,
        countdown: applyCountdown(prev, e.countdown, a.now),
        vendorCode: e.vendor_code,
      };
    }
    case "cancel-requested":
      return s.kind === "running" ? { ...s, cancelRequested: true } : s;
    case "cancel-refused":
      return s.kind === "running" ? { ...s, cancelRequested: false } : s;
    case "finished": {
      if (s.kind === "running" && s.requestId !== a.report.payment_request_id) return s;
      const k = outcomeKind(a.report.status);
      if (k === "running") return s;
      return { kind: k, report: a.report };
    }
    case "failed":
      if (s.kind === "starting" || s.kind === "running") {
        return { kind: "error", error: a.error, orderId: s.orderId };
      }
      return s;
    case "dismiss":
      return canDismiss(s) ? IDLE : s;
  }
}

/** The phase in a cashier's words. */
export function phaseWords(p: Phase): string {
  switch (p.phase) {
    case "diagnosing":
      return "Checking the terminal";
    case "on-terminal":
      return "Complete the payment on the terminal";
    case "waiting-for-card":
      return "Insert or tap card";
    case "card-detected":
      return "Card detected";
    case "card-read":
      return "Card read — keep it in the terminal";
    case "signature":
      return "Customer signing";
    case "authorising":
      return "Authorising";
    case "cancelling":
      return "Cancelling";
    case "instruction":
      switch (p.instruction) {
        case "fallback-magstripe":
          return "Chip failed — swipe the card";
        case "insert-card":
          return "Insert the card (no tap)";
        case "try-again":
          return "Card not read — try again";
        case "card-missing":
          return "Card removed too early — insert it again";
      }
      break;
    case "device-initialising":
      return "Terminal starting up";
    case "recovering":
      return "Check the terminal screen";
  }
  return "Payment in progress";
}

/** A line under the phase, when it adds something. */
export function phaseHint(p: Phase): string | null {
  switch (p.phase) {
    case "diagnosing":
      return "Making sure the terminal is ready before charging.";
    case "on-terminal":
      return "The customer follows the terminal's screen.";
    case "waiting-for-card":
      return "Ask the customer to insert, tap or swipe on the terminal.";
    case "signature":
      return "The customer signs on the terminal's screen.";
    case "authorising":
      return "Waiting for the card issuer. Do not remove the card.";
    case "recovering":
      return `Asking the terminal what happened (attempt ${p.tries}, ${p.elapsed_secs} s of up to ${p.window_secs} s).`;
    default:
      return null;
  }
}

/** Known decline codes in a cashier's words. */
const DECLINE_WORDS: Readonly<Record<string, string>> = {
  USER_BALANCE_NOT_ENOUGH: "Not enough funds on the card",
  USER_AMOUNT_EXCEED_LIMIT: "The amount is over the card's limit",
  INVALID_CARD_NUMBER: "The card is not valid",
  IDENTITY_VERIFY_FAILED: "The cardholder check failed (PIN or signature)",
  PAYMENT_FAIL: "The card was declined",
  PROCESS_FAIL: "The card was declined",
  DPOS_PAYMENT_RISK_REJECT: "Declined by the bank's risk check",
  TERMINAL_BUSY: "The terminal is busy with something else",
  ORDER_IS_CANCELED: "The payment was cancelled",
  CANCELLED: "The payment was cancelled",
  USER_CANCEL: "The payment was cancelled",
  CommandCancel: "The payment was cancelled",
  CommandResponseTimeout: "The customer did not present a card in time",
  CommandDeviceBusy: "The terminal is busy with something else",
  NOT_FOUND: "The terminal has no record of this payment",
};

/** The decline's reason in a cashier's words (the terminal's text when the code is new). */
export function declineWords(d: Decline | null, status: AttemptState, message: string): string {
  if (status === "refused") return "The terminal is not ready";
  if (d === null) return message.trim() !== "" ? message : "The card was declined";
  return DECLINE_WORDS[d.code] ?? (d.message.trim() !== "" ? d.message : "The card was declined");
}
