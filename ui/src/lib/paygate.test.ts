import { describe, expect, it } from "vitest";
import { payGate, type PayConditions } from "./paygate";

const ready: PayConditions = { statusKnown: true, recovering: false, terminal: "Demo KICC", lines: 2, busy: false };

describe("the Pay gate", () => {
  it("opens with a cart, a terminal and recovery done", () => {
    expect(payGate(ready)).toEqual({ open: true });
  });

  it("says why Pay is off while start-up recovery runs", () => {
    const gate = payGate({ ...ready, recovering: true });
    expect(gate.open).toBe(false);
    expect(!gate.open && gate.why).toMatch(/^Payments open when start-up recovery has finished/);
  });

  it("says why without a terminal, with an empty cart, or before the status is read", () => {
    const why = (c: Partial<PayConditions>) => {
      const g = payGate({ ...ready, ...c });
      return g.open ? null : g.why;
    };
    expect(why({ terminal: null })).toMatch(/No terminal is set up/);
    expect(why({ lines: 0 })).toMatch(/cart is empty/);
    expect(why({ statusKnown: false, recovering: false })).toMatch(/finished starting/);
    // Recovery is named first: it is the reason that goes away by itself.
    expect(why({ recovering: true, lines: 0, terminal: null })).toMatch(/start-up recovery/);
  });

  it("stays silent while a payment is already under way (its dialog speaks)", () => {
    expect(payGate({ ...ready, busy: true })).toEqual({ open: false, why: null });
    expect(payGate({ ...ready, busy: true, recovering: true })).toEqual({ open: false, why: null });
  });
});
