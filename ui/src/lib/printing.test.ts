import { describe, expect, it } from "vitest";
import { describeTarget, printerNeedsAttention, targetFor, type PrinterStatus } from "./printing";

const status = (health: PrinterStatus["health"]): PrinterStatus => ({
  health,
  printer: null,
  waiting: 0,
  failed: 0,
  error_code: null,
  message: "m",
});

describe("printing", () => {
  it("shows the printer on the status bar only when it is not healthy", () => {
    expect(printerNeedsAttention(null)).toBe(false);
    expect(printerNeedsAttention(status("ready"))).toBe(false);
    expect(printerNeedsAttention(status("failing"))).toBe(true);
    expect(printerNeedsAttention(status("not-configured"))).toBe(true);
  });

  it("builds each target kind from the form's one field", () => {
    expect(targetFor("cups", " Receipts ")).toEqual({ kind: "cups", queue: "Receipts", server: "", lp: "" });
    expect(targetFor("folder", "/tmp/r")).toEqual({ kind: "folder", dir: "/tmp/r" });
    expect(targetFor("escpos", "10.0.0.9")).toEqual({ kind: "escpos", addr: "10.0.0.9" });
    expect(describeTarget(targetFor("escpos", "10.0.0.9"))).toBe("ESC/POS at 10.0.0.9");
  });
});
