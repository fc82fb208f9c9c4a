// Typed calls into the desktop shell's commands and events. Every command's argument and
// result types come from the generated bindings; errors always arrive as `{code, message}`
// (a permission refused by the window's capability arrives as text and is wrapped here).

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  AccountInput,
  AccountView,
  AppStatus,
  CancelAck,
  CartInput,
  DemoBehaviour,
  DemoStatus,
  Diagnosis,
  ErrorView,
  OperatorView,
  OrderCreated,
  OrderDetailView,
  OrderQuery,
  OrderRow,
  PaymentResult,
  PinEntry,
  Product,
  RefundInput,
  RefundResult,
  ResolveInput,
  StoreSettings,
  TerminalEvent,
  TerminalInfo,
  TerminalInput,
  UsbTerminalView,
  ZReport,
} from "./bindings";
import type { PrintCopy, PrintJob, PrintOutcome, PrintSettings, PrinterConfig, PrinterStatus, ZExport } from "./printing";

/** Any rejection as `{code, message}`. */
export function toError(e: unknown): ErrorView {
  if (typeof e === "object" && e !== null && "message" in e) {
    const o = e as { code?: unknown; message: unknown };
    return { code: typeof o.code === "string" ? o.code : "error", message: String(o.message) };
  }
  const text = String(e);
  if (/not allowed|denied|forbidden/i.test(text)) return { code: "forbidden", message: text };
  return { code: "error", message: text };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toError(e);
  }
}

export const api = {
  appStatus: () => call<AppStatus>("app_status"),
  catalog: () => call<Product[]>("catalog"),
  createOrder: (cart: CartInput) => call<OrderCreated>("create_order", { cart }),
  pay: (orderId: string, terminal: string | null) => call<PaymentResult>("pay", { orderId, terminal }),
  cancelPayment: (terminal: string, requestId: string) =>
    call<CancelAck>("cancel_payment", { terminal, requestId }),
  kioskExit: (entry: PinEntry) => call<void>("kiosk_exit", { entry }),
  /** Tells the shell a screen is ready for input (start-up figures in its log). */
  uiReady: (screen: string) => call<void>("ui_ready", { screen }).catch(() => undefined),

  accounts: () => call<AccountView[]>("accounts"),
  signIn: (entry: PinEntry) => call<OperatorView>("sign_in", { entry }),
  signOut: () => call<void>("sign_out"),
  currentOperator: () => call<OperatorView | null>("current_operator"),

  orders: (query: OrderQuery) => call<OrderRow[]>("orders", { query }),
  orderDetail: (id: string) => call<OrderDetailView>("order_detail", { id }),
  refund: (input: RefundInput, manager: PinEntry | null) => call<RefundResult>("refund", { input, manager }),
  resolveAttempt: (input: ResolveInput, manager: PinEntry | null) =>
    call<PaymentResult>("resolve_attempt", { input, manager }),
  recoverAttempt: (requestId: string) => call<PaymentResult>("recover_attempt", { requestId }),

  diagnoseTerminal: (name: string) => call<Diagnosis>("diagnose_terminal", { name }),
  usbTerminals: () => call<UsbTerminalView[]>("usb_terminals"),
  saveTerminal: (input: TerminalInput, manager: PinEntry | null) =>
    call<TerminalInfo>("save_terminal", { input, manager }),
  removeTerminal: (name: string, manager: PinEntry | null) => call<void>("remove_terminal", { name, manager }),
  saveStore: (settings: StoreSettings, manager: PinEntry | null) =>
    call<StoreSettings>("save_store", { settings, manager }),
  saveProduct: (product: Product, manager: PinEntry | null) => call<Product>("save_product", { product, manager }),
  removeProduct: (id: string, manager: PinEntry | null) => call<void>("remove_product", { id, manager }),
  saveAccount: (input: AccountInput, manager: PinEntry | null) =>
    call<AccountView>("save_account", { input, manager }),
  removeAccount: (id: string, manager: PinEntry | null) => call<void>("remove_account", { id, manager }),

  zReport: () => call<ZReport>("z_report"),
  closeDay: (manager: PinEntry | null) => call<ZReport>("close_day", { manager }),

  printerStatus: () => call<PrinterStatus>("printer_status"),
  printers: () => call<PrinterConfig[]>("printers"),
  printSettings: () => call<PrintSettings>("print_settings"),
  /** Prints or reprints the document `id` names (an order, a refund, an unresolved attempt). */
  print: (id: string, copy: PrintCopy | null = null, printer: string | null = null) =>
    call<PrintJob>("print", { id, copy, printer }),
  retryPrint: (job: number) => call<PrintJob>("retry_print", { job }),
  cancelPrint: (job: number) => call<PrintJob>("cancel_print", { job }),
  savePrinter: (printer: PrinterConfig, manager: PinEntry | null) =>
    call<PrinterConfig>("save_printer", { printer, manager }),
  removePrinter: (name: string, manager: PinEntry | null) => call<void>("remove_printer", { name, manager }),
  savePrintSettings: (settings: PrintSettings, manager: PinEntry | null) =>
    call<PrintSettings>("save_print_settings", { settings, manager }),
  printTestPage: (name: string, manager: PinEntry | null) =>
    call<PrintOutcome>("print_test_page", { name, manager }),
  printZReport: (day: string, manager: PinEntry | null) =>
    call<PrintJob>("print_z_report", { day, printer: null, manager }),
  exportZReport: (day: string | null, manager: PinEntry | null) =>
    call<ZExport>("export_z_report", { day, manager }),

  demoStatus: () => call<DemoStatus>("demo_status"),
  demoQueue: (terminal: string, behaviour: DemoBehaviour) => call<DemoStatus>("demo_queue", { terminal, behaviour }),
};

/** Events of the payment running in this window. */
export function onPaymentEvent(f: (e: TerminalEvent) => void): Promise<UnlistenFn> {
  return listen<TerminalEvent>("payment-event", (m) => f(m.payload));
}

/** The shell's status changed (start-up recovery finished, demo mode ended...). */
export function onStatusChanged(f: () => void): Promise<UnlistenFn> {
  return listen<null>("status-changed", () => f());
}

/** A print job ended or the printers changed: refresh the printer status. */
export function onPrinterChanged(f: () => void): Promise<UnlistenFn> {
  return listen<null>("printer-changed", () => f());
}
