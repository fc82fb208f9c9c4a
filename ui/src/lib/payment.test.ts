import { describe, expect, it } from "vitest";
import type { PaymentResult, TerminalEvent } from "./bindings";
import { secondsLeft } from "./countdown";
import { cancelShown, canDismiss, declineWords, IDLE, isBusy, phaseWords, reduce, type DialogState } from "./payment";

const T0 = 5_000_000;

function ev(partial: Partial<TerminalEvent>): TerminalEvent {
  return {
    request_id: "P1",
    phase: { phase: "waiting-for-card" },
    countdown: { action: "keep" },
    can_cancel: false,
    vendor_code: "",
    ...partial,
  };
}

function report(status: PaymentResult["status"], extra: Partial<PaymentResult> = {}): PaymentResult {
  return {
    order_id: "O1",
    payment_request_id: "P1",
    terminal: "Demo KICC",
    status,
    payment_id: status === "succeeded" ? "T123" : null,
    amount: "12000",
    currency: "KRW",
    decline: null,
    receipt: null,
    message: "",
    ...extra,
  };
}

function started(): DialogState {
  return reduce(IDLE, { type: "start", orderId: "O1", terminal: "Demo KICC" });
}

describe("payment dialog state", () => {
  it("follows a KICC payment: ready with countdown, signature restarts it, authorising stops it", () => {
    let s = started();
    expect(isBusy(s)).toBe(true);
    s = reduce(s, { type: "event", now: T0, event: ev({ phase: { phase: "diagnosing" }, countdown: { action: "none" } }) });
    expect(s.kind === "running" && phaseWords(s.phase)).toBe("Checking the terminal");
    s = reduce(s, {
      type: "event",
      now: T0 + 500,
      event: ev({ countdown: { action: "start", seconds: 30 }, can_cancel: true, vendor_code: "READY" }),
    });
    if (s.kind !== "running") throw new Error("expected running");
    expect(phaseWords(s.phase)).toBe("Insert or tap card");
    expect(secondsLeft(s.countdown, T0 + 500)).toBe(30);
    expect(cancelShown(s)).toBe(true);

    s = reduce(s, { type: "event", now: T0 + 8_500, event: ev({ phase: { phase: "signature" }, countdown: { action: "restart", seconds: 20 } }) });
    if (s.kind !== "running") throw new Error("expected running");
    expect(phaseWords(s.phase)).toBe("Customer signing");
    expect(secondsLeft(s.countdown, T0 + 8_500)).toBe(20);
    expect(cancelShown(s)).toBe(false);

    s = reduce(s, { type: "event", now: T0 + 12_000, event: ev({ phase: { phase: "authorising" }, countdown: { action: "stop" } }) });
    if (s.kind !== "running") throw new Error("expected running");
    expect(phaseWords(s.phase)).toBe("Authorising");
    expect(secondsLeft(s.countdown, T0 + 12_000)).toBeNull();
    expect(canDismiss(s)).toBe(false);

    s = reduce(s, { type: "finished", report: report("succeeded") });
    expect(s.kind).toBe("approved");
    expect(canDismiss(s)).toBe(true);
    expect(reduce(s, { type: "dismiss" })).toEqual(IDLE);
  });

  it("a second Pay while a payment runs changes nothing", () => {
    const s = reduce(started(), { type: "event", now: T0, event: ev({}) });
    expect(reduce(s, { type: "start", orderId: "O2", terminal: null })).toBe(s);
    expect(reduce(started(), { type: "start", orderId: "O2", terminal: null }).kind).toBe("starting");
  });

  it("hides Cancel once asked and shows it again if the terminal refused", () => {
    let s = reduce(started(), { type: "event", now: T0, event: ev({ can_cancel: true, countdown: { action: "start", seconds: 30 } }) });
    s = reduce(s, { type: "cancel-requested" });
    expect(cancelShown(s)).toBe(false);
    s = reduce(s, { type: "cancel-refused" });
    expect(cancelShown(s)).toBe(true);
    s = reduce(s, { type: "cancel-requested" });
    s = reduce(s, { type: "event", now: T0 + 1000, event: ev({ phase: { phase: "cancelling" }, countdown: { action: "stop" } }) });
    expect(s.kind === "running" && phaseWords(s.phase)).toBe("Cancelling");
    expect(cancelShown(s)).toBe(false);
  });

  it("a declined payment shows the reason in a cashier's words", () => {
    const r = report("failed", {
      decline: { code: "USER_BALANCE_NOT_ENOUGH", message: "balance not enough", retryable: false },
    });
    const s = reduce(reduce(started(), { type: "event", now: T0, event: ev({}) }), { type: "finished", report: r });
    expect(s.kind).toBe("declined");
    expect(declineWords(r.decline, r.status, r.message)).toBe("Not enough funds on the card");
    expect(declineWords({ code: "NEW_CODE", message: "Card expired", retryable: false }, "failed", "")).toBe("Card expired");
    expect(declineWords(null, "refused", "")).toBe("The terminal is not ready");
    // No code and no words from the service: never an empty reason.
    expect(declineWords(null, "failed", " ")).toBe("The card was declined");
  });

  it("an unknown outcome blocks: it cannot be dismissed and no new payment starts", () => {
    let s = reduce(started(), { type: "event", now: T0, event: ev({}) });
    s = reduce(s, {
      type: "event",
      now: T0 + 3000,
      event: ev({ phase: { phase: "recovering", tries: 2, elapsed_secs: 6, window_secs: 180 }, countdown: { action: "stop" } }),
    });
    expect(s.kind === "running" && phaseWords(s.phase)).toBe("Check the terminal screen");
    s = reduce(s, { type: "finished", report: report("needs-manager") });
    expect(s.kind).toBe("unknown");
    expect(canDismiss(s)).toBe(false);
    expect(reduce(s, { type: "dismiss" })).toBe(s);
    expect(reduce(s, { type: "start", orderId: "O1", terminal: null })).toBe(s);
  });

  it("ignores events and reports of another attempt", () => {
    const s = reduce(started(), { type: "event", now: T0, event: ev({}) });
    expect(reduce(s, { type: "event", now: T0, event: ev({ request_id: "P2", phase: { phase: "authorising" } }) })).toBe(s);
    expect(reduce(s, { type: "finished", report: report("succeeded", { payment_request_id: "P2" }) })).toBe(s);
  });

  it("an error before the payment started can be dismissed and keeps the order", () => {
    const s = reduce(started(), { type: "failed", error: { code: "config", message: "no terminal is set up" } });
    expect(s).toEqual({ kind: "error", error: { code: "config", message: "no terminal is set up" }, orderId: "O1" });
    expect(canDismiss(s)).toBe(true);
  });
});
