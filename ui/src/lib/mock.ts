// DEV ONLY (`npm run dev` in a plain browser; never bundled in a build): a fake shell that
// answers the commands with the demo store's data and plays a payment's events, so screens
// can be designed without the Rust side. The real demo mode lives in kassa-app.

import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import type { AppStatus, OperatorView, Product, TerminalEvent } from "./bindings";

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
        case "create_order":
          return { order_id: `O${Date.now()}`, total: { minor: 14000, currency: "KRW" }, tax: { minor: 1273, currency: "KRW" } };
        case "pay":
          return playPayment(String(a.orderId), (a.terminal as string | null) ?? null);
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
          throw { code: "mock", message: `the dev mock does not implement ${cmd}` };
      }
    },
    { shouldMockEvents: true },
  );
}
