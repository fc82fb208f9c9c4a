// Printing as the window sees it: hand-typed mirrors of kassa-app's printer types (they have
// no generated bindings), the status bar's reading of the print queue, and saving an export
// through a download link (no file-system plugin in the webview).

export type Paper = "58mm" | "80mm" | "a4";
export type PrintCopy = "customer" | "merchant";
export type PrinterTarget =
  | { kind: "cups"; queue: string; server?: string; lp?: string }
  | { kind: "folder"; dir: string }
  | { kind: "escpos"; addr: string };

export interface PrinterConfig {
  name: string;
  target: PrinterTarget;
  paper: Paper;
  is_default: boolean;
}

export interface AutoPrint {
  sale_customer: boolean;
  sale_merchant: boolean;
  refund: boolean;
  kiosk_wait: boolean;
  z_report: boolean;
}

export interface PrintSettings {
  auto_print: AutoPrint;
  language: "en" | "ko" | null;
}

export interface PrintOutcome {
  printer: string;
  describe: string;
  detail: string;
  file: string | null;
}

export type PrinterHealth = "not-configured" | "ready" | "failing";

export interface PrinterStatus {
  health: PrinterHealth;
  printer: string | null;
  waiting: number;
  failed: number;
  error_code: string | null;
  message: string;
  /** Jobs not yet printed (queued, printing, failed), oldest first. */
  jobs: PrintJob[];
}

export type PrintDocument =
  | { kind: "sale"; order_id: string; copy: PrintCopy }
  | { kind: "refund"; refund_id: string; copy: PrintCopy }
  | { kind: "kiosk-wait"; attempt_id: string }
  | { kind: "z-report"; day: string };

export interface PrintJob {
  id: number;
  document: PrintDocument;
  printer: string;
  state: "queued" | "printing" | "printed" | "failed" | "cancelled";
  tries: number;
  last_error_code: string | null;
  last_error: string | null;
  /** When it is due again (queued) or its claim runs out (printing), RFC 3339. */
  next_try_at: string | null;
  detail: string | null;
  requested_by: string;
  created_at: string;
  updated_at: string;
  printed_at: string | null;
}

export interface ZExport {
  file_stem: string;
  pdf: number[];
  csv: string;
}

/** The auto-print switches, in the order Settings lists them. */
export const AUTO_PRINT_LABELS: { key: keyof AutoPrint; label: string }[] = [
  { key: "sale_customer", label: "Customer receipt after a sale" },
  { key: "sale_merchant", label: "Store copy after a sale" },
  { key: "refund", label: "Refund slip" },
  { key: "kiosk_wait", label: "Kiosk “wait for staff” slip" },
  { key: "z_report", label: "Z report when the day is closed" },
];

/** Whether the status bar should show the printer's message (anything but healthy). */
export function printerNeedsAttention(s: PrinterStatus | null): boolean {
  return s !== null && s.health !== "ready";
}

/** A new printer's target for the chosen kind and the one address field the form shows. */
export function targetFor(kind: PrinterTarget["kind"], where: string): PrinterTarget {
  const w = where.trim();
  if (kind === "cups") return { kind, queue: w, server: "", lp: "" };
  if (kind === "folder") return { kind, dir: w };
  return { kind, addr: w };
}

/** The one address field the form shows for a target (queue, folder or address). */
export function whereOf(t: PrinterTarget): string {
  if (t.kind === "cups") return t.queue;
  if (t.kind === "folder") return t.dir;
  return t.addr;
}

/** What the Add/Edit printer form holds. */
export interface PrinterForm {
  name: string;
  kind: PrinterTarget["kind"];
  where: string;
  paper: Paper;
  is_default: boolean;
}

/** The form for a new printer; the first one becomes the default. */
export function newPrinterForm(first: boolean): PrinterForm {
  return { name: "", kind: "cups", where: "", paper: "80mm", is_default: first };
}

/** The form prefilled with a saved printer, to edit it. */
export function printerForm(p: PrinterConfig): PrinterForm {
  return { name: p.name, kind: p.target.kind, where: whereOf(p.target), paper: p.paper, is_default: p.is_default };
}

/**
 * The printer to save from the form. Editing a CUPS printer keeps the scheduler and `lp`
 * program set outside the form (kassactl), which the form does not show.
 */
export function printerFromForm(f: PrinterForm, editing: PrinterConfig | null = null): PrinterConfig {
  let target = targetFor(f.kind, f.where);
  if (target.kind === "cups" && editing?.target.kind === "cups") {
    target = { ...target, server: editing.target.server ?? "", lp: editing.target.lp ?? "" };
  }
  return { name: f.name.trim(), target, paper: f.paper, is_default: f.is_default };
}

/** The document a print job prints, in a few words. */
export function describeDocument(d: PrintDocument): string {
  const copy = (c: PrintCopy) => (c === "merchant" ? "store copy" : "customer copy");
  if (d.kind === "sale") return `Receipt ${d.order_id} (${copy(d.copy)})`;
  if (d.kind === "refund") return `Refund slip ${d.refund_id} (${copy(d.copy)})`;
  if (d.kind === "kiosk-wait") return `Kiosk wait slip ${d.attempt_id}`;
  return `Z report ${d.day}`;
}

/** What a person may do with a job: retry it now (not while it prints), or cancel it. */
export function jobActions(j: PrintJob): { retry: boolean; cancel: boolean } {
  return {
    retry: j.state === "queued" || j.state === "failed",
    cancel: j.state === "queued" || j.state === "printing" || j.state === "failed",
  };
}

/** Where a job stands, in a few words (the next try at the till's time, as the service wrote it). */
export function jobProgress(j: PrintJob): string {
  if (j.state === "printing") return "Printing…";
  if (j.state === "failed") return `Gave up after ${j.tries} tries`;
  if (j.state === "queued" && j.tries === 0) return "Waiting to print";
  if (j.state === "queued") {
    const next = j.next_try_at ? ` · tries again at ${j.next_try_at.slice(11, 19)}` : "";
    return `Failed ${j.tries} ${j.tries === 1 ? "time" : "times"}${next}`;
  }
  return j.state === "printed" ? "Printed" : "Cancelled";
}

/** A refund with a slip to print: one that went through. */
export function hasRefundSlip(a: { kind: string; state: string }): boolean {
  return a.kind === "refund" && a.state === "succeeded";
}

/** Where a printer sends documents, in a few words. */
export function describeTarget(t: PrinterTarget): string {
  if (t.kind === "cups") return `CUPS queue ${t.queue}${t.server ? ` on ${t.server}` : ""}`;
  if (t.kind === "folder") return `PDF files in ${t.dir}`;
  return `ESC/POS at ${t.addr}`;
}

/** Offers `data` as a file download from the webview. */
export function saveFile(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
