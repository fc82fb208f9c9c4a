// PROVISIONAL: hand-written until the generator in kassa-app (`ts` feature) replaces it.

export type Money = { minor: number; currency: string };
export type AttemptState =
  | "created"
  | "sending"
  | "awaiting"
  | "succeeded"
  | "failed"
  | "refused"
  | "unknown"
  | "needs-manager";
export type Instruction = "fallback-magstripe" | "insert-card" | "try-again" | "card-missing";
export type Phase =
  | { phase: "diagnosing" }
  | { phase: "on-terminal" }
  | { phase: "waiting-for-card" }
  | { phase: "card-detected" }
  | { phase: "card-read" }
  | { phase: "signature" }
  | { phase: "authorising" }
  | { phase: "cancelling" }
  | { phase: "instruction"; instruction: Instruction }
  | { phase: "device-initialising" }
  | { phase: "recovering"; tries: number; elapsed_secs: number; window_secs: number };
export type Countdown =
  | { action: "start"; seconds: number }
  | { action: "restart"; seconds: number }
  | { action: "keep" }
  | { action: "stop" }
  | { action: "none" };
export type TerminalEvent = {
  request_id: string;
  phase: Phase;
  countdown: Countdown;
  can_cancel: boolean;
  vendor_code: string;
};
export type Decline = { code: string; message: string; retryable: boolean };
export type CardReceipt = {
  card_brand: string | null;
  masked_pan: string | null;
  approval_code: string | null;
  aid: string | null;
  application_label: string | null;
  cryptogram: string | null;
  entry_mode: string | null;
  reference: string | null;
  notice: string | null;
  extra: Record<string, string>;
};
export type PaymentResult = {
  order_id: string;
  payment_request_id: string;
  terminal: string;
  status: AttemptState;
  payment_id: string | null;
  amount: string;
  currency: string;
  decline: Decline | null;
  receipt: CardReceipt | null;
  message: string;
};
export type ErrorView = { code: string; message: string };
export type RefundRule = "manual-only" | "full-only" | "full-or-one-partial" | "partial";
export type Capabilities = { cancel_before_card: boolean; refunds: RefundRule; idempotent_pay: boolean; pay_window_secs: number };
export type Diagnosis = { ready: boolean; checks: Record<string, boolean>; detail: string };
export type TaxRate = { basis_points: number; inclusive: boolean };
export type CancelAck = "accepted" | "too-late";
export type Role = "cashier" | "manager" | "kiosk";
export type AccountView = { id: string; name: string; role: Role; locked_until: string | null };
export type AccountInput = { id: string | null; name: string; role: Role; pin: string | null };
export type TaxRateSetting = { id: string; label: string; basis_points: number; inclusive: boolean };
export type StoreSettings = {
  name: string;
  address: string;
  phone: string;
  business_number: string;
  receipt_footer: string;
  currency: string;
  tax_rates: Array<TaxRateSetting>;
};
export type Product = {
  id: string;
  name: string;
  name_en: string;
  price_minor: number;
  tax_id: string;
  barcode: string | null;
  category: string;
};
export type CartLineInput = { product_id: string; quantity: number };
export type CartInput = { lines: Array<CartLineInput> };
export type Tally = { count: number; total: Money };
export type TerminalTally = { terminal: string; sales: Tally; refunds: Tally };
export type TenderTally = { tender: string; sales: Tally };
export type OpenAttempt = {
  request_id: string;
  order_id: string;
  kind: string;
  terminal: string;
  amount: Money;
  state: AttemptState;
  created_at: string;
};
export type ZReport = {
  number: number;
  from: string | null;
  to: string;
  sales: Tally;
  refunds: Tally;
  net: Money;
  tax: Money;
  declined: number;
  by_terminal: Array<TerminalTally>;
  by_tender: Array<TenderTally>;
  unresolved: Array<OpenAttempt>;
  can_close: boolean;
  closed_at: string | null;
};
export type DemoBehaviour = "approve" | "decline" | "unknown" | "no-card";
export type DemoTerminal = { name: string; kind: string; queued: Array<DemoBehaviour> };
export type DemoStatus = { active: boolean; terminals: Array<DemoTerminal>; pin_hint: string };
export type AppStatus = {
  version: string;
  demo: boolean;
  recovering: boolean;
  store: StoreSettings;
  terminals: Array<TerminalInfo>;
  attention: Array<OpenAttempt>;
};
export type TerminalInfo = {
  name: string;
  kind: string;
  is_default: boolean;
  config: Record<string, unknown>;
  capabilities: Capabilities | null;
  problem: string | null;
};
export type RefundResult = {
  refund_request_id: string;
  payment_request_id: string;
  order_id: string;
  status: AttemptState;
  refund_id: string | null;
  amount: string;
  currency: string;
  refundable_after: string;
  decline: Decline | null;
  message: string;
};
export type OrderCreated = { order_id: string; total: Money; tax: Money };
export type OrderQuery = {
  status: string | null;
  from: string | null;
  to: string | null;
  terminal: string | null;
  text: string | null;
  min_minor: number | null;
  max_minor: number | null;
  limit: number;
};
export type OrderRow = {
  id: string;
  created_at: string;
  status: string;
  total: Money;
  terminal: string | null;
  payment_request_id: string | null;
  terminal_payment_id: string | null;
};
export type OrderLineView = {
  name: string;
  quantity: number;
  unit_price_minor: number;
  tax: TaxRate;
  total_minor: number;
  tax_minor: number;
};
export type JournalView = { at: string; from: AttemptState; to: AttemptState; event: string; detail: string };
export type AttemptView = {
  request_id: string;
  kind: string;
  payment_request_id: string | null;
  terminal: string;
  amount: Money;
  state: AttemptState;
  terminal_ref: string | null;
  reason: string | null;
  actor: string | null;
  created_at: string;
  sent_at: string | null;
  updated_at: string;
  journal: Array<JournalView>;
};
export type PaymentView = {
  request_id: string;
  terminal: string;
  terminal_payment_id: string;
  amount: Money;
  paid_at: string;
  receipt: CardReceipt;
};
export type OrderDetailView = {
  id: string;
  created_at: string;
  status: string;
  cashier: string;
  lines: Array<OrderLineView>;
  total: Money;
  tax: Money;
  attempts: Array<AttemptView>;
  payment: PaymentView | null;
  refundable: Money | null;
  refund_rule: RefundRule | null;
};
export type OperatorView = { account_id: string; name: string; role: Role };
export type PinEntry = { account_id: string; pin: string };
export type RefundInput = { payment: string; amount_minor: number | null; reason: string; terminal_ref: string | null };
export type ResolveInput = { request_id: string; paid: boolean; terminal_ref: string | null; evidence: string };
export type TerminalInput = { name: string; kind: string; config: Record<string, unknown>; make_default: boolean };
