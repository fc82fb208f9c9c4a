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
  amount: Money;
  decline: Decline | null;
  receipt: CardReceipt | null;
  message: string;
};
export type ErrorView = { code: string; message: string };
