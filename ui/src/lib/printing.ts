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
}

export interface PrintJob {
  id: number;
  printer: string;
  state: "queued" | "printing" | "printed" | "failed" | "cancelled";
  tries: number;
  last_error: string | null;
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
