import { describe, expect, it } from "vitest";
import { refundNotice } from "./refund";

describe("a refund's outcome in the window", () => {
  it("shows the service's sentence as it is, coloured by the outcome", () => {
    expect(refundNotice({ status: "succeeded", message: "Refunded." })).toEqual({ text: "Refunded.", kind: "ok" });
    expect(refundNotice({ status: "failed", message: "Refund refused: balance too low. Nothing was refunded." }).kind).toBe("bad");
  });

  it("never shows an unproven outcome as a failure", () => {
    for (const status of ["unknown", "needs-manager"] as const) {
      const n = refundNotice({ status, message: "" });
      expect(n.kind).toBe("info");
      expect(n.text).toMatch(/outcome unknown/);
      expect(n.text).not.toMatch(/nothing was refunded/i);
    }
  });

  it("has words of its own when the service sent none", () => {
    expect(refundNotice({ status: "failed", message: "  " }).text).toBe("The terminal refused the refund.");
    expect(refundNotice({ status: "succeeded", message: "" }).text).toBe("Refunded.");
  });
});
