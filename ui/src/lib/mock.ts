// DEV ONLY (`npm run dev` in a plain browser; never bundled in a build): a fake shell that
// answers the commands with the demo store's data, plays a payment's events and keeps a print
// queue in memory, so screens can be designed without the Rust side. The real demo mode lives
// in kassa-app.

import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import type { AppStatus, OperatorView, Product, TerminalEvent } from "./bindings";
import {
  describeTarget,
  whereOf,
  type PrintCopy,
  type PrintDocument,
  type PrinterConfig,
  type PrinterStatus,
  type PrintJob,
  type PrintOutcome,
  type PrintSettings,
  type ZExport,
} from "./printing";

const P = (id: string, name: string, name_en: string, price: number, category: string, barcode: string): Product => ({
  id,
  name,
  name_en,
  price_minor: price,
  tax_id: "vat",
  barcode,
  category,
});

const catalog: Product[] = [
  P("americano", "아메리카노", "Americano", 4500, "Coffee", "8800000000011"),
  P("latte", "카페라떼", "Café Latte", 5000, "Coffee", "8800000000028"),
  P("vanilla-latte", "바닐라라떼", "Vanilla Latte", 5500, "Coffee", "8800000000035"),
  P("cold-brew", "콜드브루", "Cold Brew", 5500, "Coffee", "8800000000042"),
  P("green-tea-latte", "녹차라떼", "Green Tea Latte", 5500, "Tea & Ade", "8800000000059"),
  P("yuja-tea", "유자차", "Yuja Tea", 5000, "Tea & Ade", "8800000000066"),
  P("croissant", "크루아상", "Croissant", 3800, "Bakery", "8800000000073"),
  P("salt-bread", "소금빵", "Salt Bread", 3500, "Bakery", "8800000000080"),
  P("cheesecake", "치즈케이크", "Cheesecake", 6800, "Dessert", "8800000000097"),
  P("whole-cake", "홀케이크", "Whole Cake", 52000, "Dessert", "8800000000103"),
];

const status: AppStatus = {
  version: "0.1.0",
  demo: true,
  recovering: false,
  store: {
    name: "Hangang Coffee 한강커피",
    address: "",
    phone: "",
    business_number: "",
    receipt_footer: "",
    currency: "KRW",
    tax_rates: [{ id: "vat", label: "VAT 10%", basis_points: 1000, inclusive: true }],
    store_code: "KS",
    till_code: "1",
    time_zone: "Asia/Seoul",
  },
  terminals: [
    {
      name: "Demo KICC",
      kind: "kicc",
      is_default: true,
      config: {},
      capabilities: { cancel_before_card: true, refunds: "full-only", idempotent_pay: false, pay_window_secs: 95 },
      problem: null,
    },
    {
      name: "Demo N950",
      kind: "antom-lan",
      is_default: false,
      config: {},
      capabilities: { cancel_before_card: false, refunds: "full-or-one-partial", idempotent_pay: true, pay_window_secs: 120 },
      problem: null,
    },
  ],
  attention: [],
};

const who = new URLSearchParams(location.search).get("as");
let operator: OperatorView | null =
  who === "manager" ? { account_id: "u1", name: "Manager", role: "manager" } : null;
let seq = 0;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function playPayment(orderId: string, terminal: string | null) {
  const rid = `P${Date.now()}${seq++}`;
  const ev = (partial: Partial<TerminalEvent>): Promise<void> =>
    emit("payment-event", {
      request_id: rid,
      phase: { phase: "waiting-for-card" },
      countdown: { action: "keep" },
      can_cancel: false,
      vendor_code: "",
      ...partial,
    });
  await ev({ phase: { phase: "diagnosing" }, countdown: { action: "none" } });
  await sleep(500);
  await ev({ countdown: { action: "start", seconds: 30 }, can_cancel: true, vendor_code: "READY" });
  await sleep(4000);
  await ev({ phase: { phase: "card-read" }, vendor_code: "CARD_READ_COMPLETED" });
  await sleep(800);
  await ev({ phase: { phase: "authorising" }, countdown: { action: "stop" }, vendor_code: "START_TRANSACTION" });
  await sleep(1200);
  return {
    order_id: orderId,
    payment_request_id: rid,
    terminal: terminal ?? "Demo KICC",
    status: "succeeded",
    payment_id: "KICC000123",
    amount: "14000",
    currency: "KRW",
    decline: null,
    receipt: {
      card_brand: "BC",
      masked_pan: "9410-****-****-1234",
      approval_code: "30012345",
      aid: null,
      application_label: null,
      cryptogram: null,
      entry_mode: null,
      reference: null,
      notice: null,
      extra: {},
    },
    message: "Approved.",
  };
}

// The print queue. Jobs print after a short pause; a printer whose name or address says
// "offline" fails as a switched-off printer does, retried a few times, so the status strip,
// Retry and Cancel can be seen. Z report exports are a one-page PDF.
const printers: PrinterConfig[] = [
  { name: "Receipts", target: { kind: "folder", dir: "/home/kassa/receipts" }, paper: "80mm", is_default: true },
];
let printSettings: PrintSettings = {
  auto_print: { sale_customer: true, sale_merchant: false, refund: true, kiosk_wait: true, z_report: false },
  language: null,
};
const jobs: PrintJob[] = [];
/** The real queue tries 12 times over half an hour; the mock gives up sooner. */
const MOCK_TRIES = 3;

const isoIn = (ms = 0): string => new Date(Date.now() + ms).toISOString();
const offline = (p: PrinterConfig): boolean => /offline/i.test(`${p.name} ${whereOf(p.target)}`);
const isOpen = (j: PrintJob): boolean => j.state === "queued" || j.state === "printing" || j.state === "failed";

function findPrinter(name: string | null): PrinterConfig {
  const p = name === null ? printers.find((x) => x.is_default) : printers.find((x) => x.name === name);
  if (p) return p;
  throw name === null
    ? { code: "config", message: "No printer is set up: add one in Settings → Printers." }
    : { code: "not-found", message: `There is no printer named "${name}": choose another in Settings → Printers.` };
}

function findJob(id: unknown): PrintJob {
  const j = jobs.find((x) => x.id === Number(id));
  if (!j) throw { code: "not-found", message: `There is no print job ${String(id)}: refresh the printer list.` };
  return j;
}

function queuePrint(document: PrintDocument, printer: string | null): PrintJob {
  const p = findPrinter(printer);
  const now = isoIn();
  const j: PrintJob = {
    id: jobs.length + 1,
    document,
    printer: p.name,
    state: "queued",
    tries: 0,
    last_error_code: null,
    last_error: null,
    next_try_at: now,
    detail: null,
    requested_by: operator?.name ?? "auto",
    created_at: now,
    updated_at: now,
    printed_at: null,
  };
  jobs.push(j);
  setTimeout(() => void printJob(j), 800);
  void emit("printer-changed", null);
  return { ...j };
}

/** Prints a queued or failed job now and returns it as it ended. */
async function printJob(j: PrintJob): Promise<PrintJob> {
  if (j.state !== "queued" && j.state !== "failed") return { ...j };
  j.state = "printing";
  j.tries += 1;
  await sleep(400);
  if (j.state !== "printing") return { ...j }; // cancelled meanwhile
  const p = printers.find((x) => x.name === j.printer);
  const now = isoIn();
  j.updated_at = now;
  if (p && !offline(p)) {
    Object.assign(j, { state: "printed", printed_at: now, next_try_at: null, last_error_code: null, last_error: null });
    j.detail = p.target.kind === "folder" ? `saved ${p.target.dir}/${j.document.kind}-${j.id}.pdf` : `sent to ${describeTarget(p.target)}`;
  } else {
    const gaveUp = j.tries >= MOCK_TRIES;
    j.state = gaveUp ? "failed" : "queued";
    j.last_error_code = p ? "printer-unreachable" : "not-found";
    j.last_error = p
      ? `printer "${j.printer}" does not answer: check that it is switched on and connected, then press Retry`
      : `no printer named "${j.printer}": add it again in Settings → Printers, or cancel the job`;
    j.next_try_at = gaveUp ? null : isoIn(5000);
    const due = j.next_try_at;
    if (!gaveUp) setTimeout(() => j.next_try_at === due && void printJob(j), 5000);
  }
  void emit("printer-changed", null);
  return { ...j };
}

function printerStatus(): PrinterStatus {
  const open = jobs.filter(isOpen);
  const def = printers.find((p) => p.is_default) ?? null;
  const failed = open.filter((j) => j.state === "failed").length;
  const waiting = open.length - failed;
  const last = open.filter((j) => j.last_error !== null).at(-1) ?? null;
  const base = { printer: def?.name ?? null, waiting, failed, error_code: last?.last_error_code ?? null, jobs: open.map((j) => ({ ...j })) };
  if (!def && open.length === 0)
    return { ...base, health: "not-configured", message: "No printer is set up: receipts are not printed. Add one in Settings → Printers." };
  if (last) return { ...base, health: "failing", message: `${waiting} receipt(s) waiting, ${failed} failed. ${last.last_error}.` };
  if (def)
    return { ...base, health: "ready", message: waiting === 0 ? `Printer "${def.name}" ready.` : `Printing ${waiting} receipt(s) on "${def.name}".` };
  return {
    ...base,
    health: "not-configured",
    message: `${waiting} receipt(s) wait for a printer that is no longer set up: add it again in Settings → Printers, or cancel them.`,
  };
}

function savePrinter(p: PrinterConfig): PrinterConfig {
  if (p.name.trim() === "") throw { code: "usage", message: "Give the printer a name." };
  if (whereOf(p.target).trim() === "") throw { code: "usage", message: "Say where it prints: its CUPS queue, folder or IP address." };
  if (p.target.kind === "escpos" && p.paper === "a4") throw { code: "usage", message: "A thermal printer takes 58 mm or 80 mm paper, not A4." };
  const rest = printers.filter((x) => x.name !== p.name);
  const saved = { ...p, is_default: p.is_default || rest.every((x) => !x.is_default) };
  if (saved.is_default) rest.forEach((x) => (x.is_default = false));
  printers.splice(0, printers.length, ...[...rest, saved].sort((x, y) => Number(y.is_default) - Number(x.is_default)));
  void emit("printer-changed", null);
  return saved;
}

function removePrinter(name: string): null {
  const at = printers.findIndex((x) => x.name === name);
  if (at < 0) throw { code: "not-found", message: `There is no printer named "${name}": refresh the list.` };
  printers.splice(at, 1);
  const first = printers[0];
  if (first && printers.every((x) => !x.is_default)) first.is_default = true;
  void emit("printer-changed", null);
  return null;
}

/** A one-page PDF showing `line`, so an exported Z report opens in a viewer. */
function tinyPdf(line: string): number[] {
  const content = `BT /F1 14 Tf 72 770 Td (${line}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let out = "%PDF-1.4\n";
  const offsets = objects.map((o, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Array.from(new TextEncoder().encode(out));
}

function printCommand(cmd: string, a: Record<string, unknown>): unknown {
  switch (cmd) {
    case "printer_status":
      return printerStatus();
    case "printers":
      return printers.map((p) => ({ ...p }));
    case "print_settings":
      return printSettings;
    case "print": {
      const id = String(a.id);
      const copy = (a.copy as PrintCopy | null) ?? "customer";
      // Ids as the ledger makes them: R… a refund, anything else an order's receipt.
      const doc: PrintDocument = id.startsWith("R") ? { kind: "refund", refund_id: id, copy } : { kind: "sale", order_id: id, copy };
      return queuePrint(doc, (a.printer as string | null) ?? null);
    }
    case "retry_print": {
      const j = findJob(a.job);
      if (j.state === "printing") throw { code: "conflict", message: `Print job ${j.id} is printing right now: wait for it.` };
      if (j.state === "cancelled") throw { code: "conflict", message: `Print job ${j.id} was cancelled: reprint the document instead.` };
      return printJob(j);
    }
    case "cancel_print": {
      const j = findJob(a.job);
      if (isOpen(j)) Object.assign(j, { state: "cancelled", next_try_at: null, updated_at: isoIn() });
      void emit("printer-changed", null);
      return { ...j };
    }
    case "save_printer":
      return savePrinter(a.printer as PrinterConfig);
    case "remove_printer":
      return removePrinter(String(a.name));
    case "save_print_settings":
      printSettings = a.settings as PrintSettings;
      return printSettings;
    case "print_test_page": {
      const p = findPrinter(String(a.name));
      if (offline(p)) throw { code: "printer-unreachable", message: `Printer "${p.name}" does not answer: check that it is switched on and connected.` };
      const file = p.target.kind === "folder" ? `${p.target.dir}/test-page.pdf` : null;
      const outcome: PrintOutcome = { printer: p.name, describe: describeTarget(p.target), detail: file ? `saved ${file}` : "test page sent", file };
      return outcome;
    }
    case "print_z_report":
      return queuePrint({ kind: "z-report", day: String(a.day) }, (a.printer as string | null) ?? null);
    case "export_z_report": {
      const day = (a.day as string | null) ?? new Date().toISOString().slice(0, 10);
      const z: ZExport = { file_stem: `z-report_${day}`, pdf: tinyPdf(`Z report ${day} - dev mock`), csv: "section,count,amount\nsales,0,0\nrefunds,0,0\n" };
      return z;
    }
    default:
      throw { code: "mock", message: `the dev mock does not implement ${cmd}` };
  }
}

export function installMock(): void {
  mockWindows(location.hash === "#kiosk" ? "kiosk" : "main");
  mockIPC(
    async (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      switch (cmd) {
        case "app_status":
          return status;
        case "catalog":
          return catalog;
        case "accounts":
          return [
            { id: "u1", name: "Manager", role: "manager", locked_until: null },
            { id: "u2", name: "Cashier", role: "cashier", locked_until: null },
          ];
        case "current_operator":
          return operator;
        case "sign_in": {
          const e = a.entry as { account_id: string; pin: string };
          if (e.pin !== (e.account_id === "u1" ? "1234" : "0000")) throw { code: "wrong-pin", message: "wrong PIN: 4 more tries" };
          operator = { account_id: e.account_id, name: e.account_id === "u1" ? "Manager" : "Cashier", role: e.account_id === "u1" ? "manager" : "cashier" };
          return operator;
        }
        case "sign_out":
          operator = null;
          return null;
        case "demo_status":
          return {
            active: true,
            pin_hint: "Manager 1234 · Cashier 0000",
            terminals: status.terminals.map((t) => ({ name: t.name, kind: t.kind, queued: [] })),
          };
        case "diagnose_terminal":
          return { ready: true, checks: { network: true, device: true }, detail: "" };
        case "usb_terminals":
          // One N950 on the cable, as the demo's simulated USB bus shows it.
          return [
            {
              ids: "18d1:4ee7",
              location: "bus 001 device 003",
              manufacturer: "newland",
              product: "QCM2290-IDP _SN: N950DEMO0001",
              serial: "N950DEMO0001",
              state: "switchable",
              accessory_mode: false,
              detail: "an N950 in normal mode (accessory protocol 2): switched at first use",
            },
          ];
        case "create_order":
          return { order_id: `O${Date.now()}`, total: { minor: 14000, currency: "KRW" }, tax: { minor: 1273, currency: "KRW" } };
        case "pay": {
          const r = await playPayment(String(a.orderId), (a.terminal as string | null) ?? null);
          if (printSettings.auto_print.sale_customer && printers.some((p) => p.is_default)) {
            queuePrint({ kind: "sale", order_id: r.order_id, copy: "customer" }, null);
          }
          return r;
        }
        case "cancel_payment":
          return "accepted";
        case "orders":
          return [];
        case "z_report":
          return {
            number: 1,
            from: null,
            to: new Date().toISOString(),
            sales: { count: 0, total: { minor: 0, currency: "KRW" } },
            refunds: { count: 0, total: { minor: 0, currency: "KRW" } },
            net: { minor: 0, currency: "KRW" },
            tax: { minor: 0, currency: "KRW" },
            declined: 0,
            by_terminal: [],
            by_tender: [],
            unresolved: [],
            can_close: true,
            closed_at: null,
          };
        default:
          return printCommand(cmd, a);
      }
    },
    { shouldMockEvents: true },
  );
}
