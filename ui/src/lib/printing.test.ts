import { describe, expect, it } from "vitest";
import {
  describeDocument,
  describeTarget,
  hasRefundSlip,
  jobActions,
  jobProgress,
  newPrinterForm,
  printerForm,
  printerFromForm,
  printerNeedsAttention,
  targetFor,
  type PrinterConfig,
  type PrinterStatus,
  type PrintJob,
} from "./printing";

const status = (health: PrinterStatus["health"]): PrinterStatus => ({
  health,
  printer: null,
  waiting: 0,
  failed: 0,
  error_code: null,
  message: "m",
  jobs: [],
});

const job = (over: Partial<PrintJob>): PrintJob => ({
  id: 7,
  document: { kind: "sale", order_id: "O1", copy: "customer" },
  printer: "Counter",
  state: "queued",
  tries: 0,
  last_error_code: null,
  last_error: null,
  next_try_at: null,
  detail: null,
  requested_by: "auto",
  created_at: "2026-11-21T10:15:30.000+09:00",
  updated_at: "2026-11-21T10:15:30.000+09:00",
  printed_at: null,
  ...over,
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

describe("printer form", () => {
  const cups: PrinterConfig = {
    name: "Front",
    target: { kind: "cups", queue: "Receipts", server: "print.local:631", lp: "/usr/bin/lp" },
    paper: "80mm",
    is_default: true,
  };

  it("makes the first new printer the default", () => {
    expect(newPrinterForm(true).is_default).toBe(true);
    expect(newPrinterForm(false)).toEqual({ name: "", kind: "cups", where: "", paper: "80mm", is_default: false });
  });

  it("prefills from a saved printer and saves it back unchanged", () => {
    const f = printerForm(cups);
    expect(f).toEqual({ name: "Front", kind: "cups", where: "Receipts", paper: "80mm", is_default: true });
    expect(printerFromForm(f, cups)).toEqual(cups);
    const folder: PrinterConfig = { name: "PDF", target: { kind: "folder", dir: "/srv/r" }, paper: "a4", is_default: false };
    expect(printerFromForm(printerForm(folder), folder)).toEqual(folder);
  });

  it("keeps a CUPS printer's scheduler and lp when only the queue or paper changes", () => {
    const f = { ...printerForm(cups), where: " Kitchen ", paper: "58mm" as const };
    expect(printerFromForm(f, cups)).toEqual({
      ...cups,
      target: { kind: "cups", queue: "Kitchen", server: "print.local:631", lp: "/usr/bin/lp" },
      paper: "58mm",
    });
  });

  it("builds a fresh target when the kind changes or the printer is new", () => {
    const f = { ...printerForm(cups), kind: "escpos" as const, where: "10.0.0.9" };
    expect(printerFromForm(f, cups).target).toEqual({ kind: "escpos", addr: "10.0.0.9" });
    expect(printerFromForm({ ...printerForm(cups), name: " New " }).target).toEqual({
      kind: "cups",
      queue: "Receipts",
      server: "",
      lp: "",
    });
    expect(printerFromForm({ ...printerForm(cups), name: " New " }).name).toBe("New");
  });
});

describe("print jobs", () => {
  it("names each kind of document", () => {
    expect(describeDocument({ kind: "sale", order_id: "O1", copy: "customer" })).toBe("Receipt O1 (customer copy)");
    expect(describeDocument({ kind: "refund", refund_id: "R2", copy: "merchant" })).toBe("Refund slip R2 (store copy)");
    expect(describeDocument({ kind: "kiosk-wait", attempt_id: "P3" })).toBe("Kiosk wait slip P3");
    expect(describeDocument({ kind: "z-report", day: "2026-11-21" })).toBe("Z report 2026-11-21");
  });

  it("offers Retry except while printing, and Cancel until the job ends", () => {
    expect(jobActions(job({ state: "queued" }))).toEqual({ retry: true, cancel: true });
    expect(jobActions(job({ state: "failed" }))).toEqual({ retry: true, cancel: true });
    expect(jobActions(job({ state: "printing" }))).toEqual({ retry: false, cancel: true });
    expect(jobActions(job({ state: "printed" }))).toEqual({ retry: false, cancel: false });
    expect(jobActions(job({ state: "cancelled" }))).toEqual({ retry: false, cancel: false });
  });

  it("says how far a job got and when it tries again", () => {
    expect(jobProgress(job({}))).toBe("Waiting to print");
    expect(jobProgress(job({ tries: 1, next_try_at: "2026-11-21T10:15:36.000+09:00" }))).toBe(
      "Failed 1 time · tries again at 10:15:36",
    );
    expect(jobProgress(job({ tries: 3 }))).toBe("Failed 3 times");
    expect(jobProgress(job({ state: "failed", tries: 12 }))).toBe("Gave up after 12 tries");
    expect(jobProgress(job({ state: "printing", tries: 1 }))).toBe("Printing…");
  });

  it("offers a slip only for refunds that went through", () => {
    expect(hasRefundSlip({ kind: "refund", state: "succeeded" })).toBe(true);
    expect(hasRefundSlip({ kind: "refund", state: "unknown" })).toBe(false);
    expect(hasRefundSlip({ kind: "payment", state: "succeeded" })).toBe(false);
  });
});
