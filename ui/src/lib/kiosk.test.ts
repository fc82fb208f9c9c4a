import { describe, expect, it } from "vitest";
import { idleResetAllowed, kioskPhase } from "./kiosk";
import { IDLE, reduce } from "./payment";

describe("kiosk", () => {
  it("speaks to customers in Korean and English", () => {
    expect(kioskPhase({ phase: "waiting-for-card" }, "ko")).toBe("카드를 넣거나 대 주세요");
    expect(kioskPhase({ phase: "waiting-for-card" }, "en")).toBe("Insert or tap your card");
    expect(kioskPhase({ phase: "signature" }, "en")).toBe("Please sign on the terminal");
    expect(kioskPhase({ phase: "instruction", instruction: "fallback-magstripe" }, "ko")).toBe("카드를 긁어 주세요");
  });

  it("never resets for idleness during a payment or while staff is needed", () => {
    expect(idleResetAllowed(IDLE)).toBe(true);
    const starting = reduce(IDLE, { type: "start", orderId: "O1", terminal: null });
    expect(idleResetAllowed(starting)).toBe(false);
    const running = reduce(starting, {
      type: "event",
      now: 0,
      event: { request_id: "P1", phase: { phase: "waiting-for-card" }, countdown: { action: "start", seconds: 30 }, can_cancel: true, vendor_code: "READY" },
    });
    expect(idleResetAllowed(running)).toBe(false);
    const unknown = reduce(running, {
      type: "finished",
      report: {
        order_id: "O1", payment_request_id: "P1", terminal: "Demo KICC", status: "needs-manager", payment_id: null,
        amount: "4500", currency: "KRW", decline: null, receipt: null, message: "",
      },
    });
    expect(unknown.kind).toBe("unknown");
    expect(idleResetAllowed(unknown)).toBe(false);
  });
});
