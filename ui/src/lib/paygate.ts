// Whether Pay may start a payment now and, when not, the reason the cashier is told. The Pay
// button, F2 and Enter all go through it: a press while Pay is off says why instead of doing
// nothing.

export interface PayConditions {
  /** The shell's status has been read. */
  statusKnown: boolean;
  /** Start-up recovery is still asking terminals about unfinished payments. */
  recovering: boolean;
  /** The terminal the sale would use, if any. */
  terminal: string | null;
  /** Lines in the cart. */
  lines: number;
  /** A payment is being started, or the dialog shows one or its outcome. */
  busy: boolean;
}

/** `why` is null when a payment is already under way: its dialog says what happens. */
export type PayGate = { open: true } | { open: false; why: string | null };

export function payGate(c: PayConditions): PayGate {
  if (c.busy) return { open: false, why: null };
  if (!c.statusKnown) return { open: false, why: "Payments open when Kassa has finished starting." };
  if (c.recovering) {
    return {
      open: false,
      why: "Payments open when start-up recovery has finished: Kassa is checking unfinished payments with the terminals.",
    };
  }
  if (c.terminal === null) return { open: false, why: "No terminal is set up: a manager adds one under Terminals." };
  if (c.lines === 0) return { open: false, why: "The cart is empty: add a product before paying." };
  return { open: true };
}
