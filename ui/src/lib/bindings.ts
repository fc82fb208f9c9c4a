// Generated from Rust by `scripts/check-ts-types.sh` (kassa-app's `ts` feature).
// Do not edit: change the Rust types and regenerate.

/**
 * An amount in integer minor units of one currency.
 */
export type Money = { 
/**
 * Minor units (won, cents, fils).
 */
minor: number, 
/**
 * The currency the units belong to.
 */
currency: string, };

/**
 * Where an attempt stands. Final states are `succeeded`, `failed` and `refused`.
 */
export type AttemptState = "created" | "sending" | "awaiting" | "succeeded" | "failed" | "refused" | "unknown" | "needs-manager";

/**
 * Instructions a terminal shows the customer.
 */
export type Instruction = "fallback-magstripe" | "insert-card" | "try-again" | "card-missing";

/**
 * What the customer or cashier should be doing now.
 */
export type Phase = { "phase": "diagnosing" } | { "phase": "on-terminal" } | { "phase": "waiting-for-card" } | { "phase": "card-detected" } | { "phase": "card-read" } | { "phase": "signature" } | { "phase": "authorising" } | { "phase": "cancelling" } | { "phase": "instruction", 
/**
 * Which instruction.
 */
instruction: Instruction, } | { "phase": "device-initialising" } | { "phase": "recovering", 
/**
 * Inquiries made so far.
 */
tries: number, 
/**
 * Seconds since the request was sent.
 */
elapsed_secs: number, 
/**
 * Seconds after which a manager must decide.
 */
window_secs: number, };

/**
 * What the countdown on the dialog does on this event.
 */
export type Countdown = { "action": "start", "seconds": number } | { "action": "restart", "seconds": number } | { "action": "keep" } | { "action": "stop" } | { "action": "none" };

/**
 * One event of a running payment or refund.
 */
export type TerminalEvent = { 
/**
 * The attempt's request id.
 */
request_id: string, 
/**
 * What is happening.
 */
phase: Phase, 
/**
 * What the countdown does.
 */
countdown: Countdown, 
/**
 * Whether a cancel can work now.
 */
can_cancel: boolean, 
/**
 * The vendor's own code for the event, for logs and support.
 */
vendor_code: string, };

/**
 * A trustworthy decline.
 */
export type Decline = { 
/**
 * The vendor's code (`PAYMENT_FAIL`, `USER_BALANCE_NOT_ENOUGH`, status `9`).
 */
code: string, 
/**
 * The vendor's message, or the receipt text it sent.
 */
message: string, 
/**
 * True when trying again later may work (busy terminal); a new attempt, never a resend.
 */
retryable: boolean, };

/**
 * Receipt fields a terminal may return; every field is what a receipt may show.
 * Card numbers are masked by the terminal; expiry dates are never kept.
 */
export type CardReceipt = { 
/**
 * Card brand or type (`VISA`, `BC`).
 */
card_brand: string | null, 
/**
 * Masked card number as the terminal printed it.
 */
masked_pan: string | null, 
/**
 * Approval (authorisation) number.
 */
approval_code: string | null, 
/**
 * EMV application id.
 */
aid: string | null, 
/**
 * EMV application label.
 */
application_label: string | null, 
/**
 * Application cryptogram / TC.
 */
cryptogram: string | null, 
/**
 * How the card was read (chip, contactless, swipe).
 */
entry_mode: string | null, 
/**
 * Retrieval reference number or transaction serial.
 */
reference: string | null, 
/**
 * Acquirer or issuer notice text to print.
 */
notice: string | null, 
/**
 * Other receipt-safe vendor fields, by vendor name.
 */
extra: { [key in string]: string }, };

/**
 * Which refunds a terminal performs through its API.
 */
export type RefundRule = "manual-only" | "full-only" | "full-or-one-partial" | "partial";

/**
 * What a driver can do beyond the mandatory calls.
 */
export type Capabilities = { 
/**
 * A running payment can be cancelled before the card is read.
 */
cancel_before_card: boolean, 
/**
 * Refund rule of this terminal as configured.
 */
refunds: RefundRule, 
/**
 * Re-sending the same request id returns the first outcome instead of charging again.
 */
idempotent_pay: boolean, 
/**
 * How long the customer has on the terminal once a payment is sent (for the dialog).
 */
pay_window_secs: number, };

/**
 * What the terminal reported about its readiness.
 */
export type Diagnosis = { 
/**
 * True when a payment may be started.
 */
ready: boolean, 
/**
 * Each check the terminal reported, by name, with its result.
 */
checks: { [key in string]: boolean }, 
/**
 * A sentence for the cashier when not ready.
 */
detail: string, };

/**
 * A tax rate and whether prices already include it.
 */
export type TaxRate = { 
/**
 * Rate in basis points: 1000 = 10 %.
 */
basis_points: number, 
/**
 * True when the unit price already contains the tax.
 */
inclusive: boolean, };

/**
 * Result of asking a terminal to stop a running payment.
 */
export type CancelAck = "accepted" | "too-late";

/**
 * The `{code, message}` every command error reaches the window as ([`crate::ErrorView`]),
 * declared for TypeScript; a test checks the two serialize alike.
 */
export type ErrorView = { code: string, message: string, };

/**
 * What an account may do.
 */
export type Role = "cashier" | "manager" | "kiosk";

/**
 * An account as the window lists it (no hash).
 */
export type AccountView = { 
/**
 * Stable id.
 */
id: string, 
/**
 * Name shown on the sign-in screen and recorded as the actor.
 */
name: string, 
/**
 * Role.
 */
role: Role, 
/**
 * When a lockout ends (RFC 3339), while one is in force.
 */
locked_until: string | null, };

/**
 * An account to add or change.
 */
export type AccountInput = { 
/**
 * `None` adds a new account.
 */
id: string | null, 
/**
 * Display name.
 */
name: string, 
/**
 * Role (`kiosk` is refused: nobody signs in as the kiosk).
 */
role: Role, 
/**
 * New PIN (4 to 8 digits); `None` keeps the current one. Required for a new account.
 */
pin: string | null, };

/**
 * A named tax rate products refer to by id.
 */
export type TaxRateSetting = { 
/**
 * Short id products refer to (`vat`, `exempt`).
 */
id: string, 
/**
 * What receipts and screens call it (`VAT 10%`).
 */
label: string, 
/**
 * Rate in basis points: 1000 = 10 %.
 */
basis_points: number, 
/**
 * True when prices already contain the tax.
 */
inclusive: boolean, };

/**
 * The store's details, currency and tax rates.
 */
export type StoreSettings = { 
/**
 * Trading name, printed at the top of receipts.
 */
name: string, 
/**
 * Address lines for receipts.
 */
address: string, 
/**
 * Telephone for receipts.
 */
phone: string, 
/**
 * Business registration number (사업자등록번호), printed on Korean receipts.
 */
business_number: string, 
/**
 * A line at the bottom of receipts.
 */
receipt_footer: string, 
/**
 * ISO 4217 code of the currency prices are in.
 */
currency: string, 
/**
 * Tax rates products can use; the first is the default for new products.
 */
tax_rates: Array<TaxRateSetting>, 
/**
 * Store code in every request id: 1–4 letters or digits.
 */
store_code: string, 
/**
 * This till's code in every request id: 1–3 letters or digits, different on each till.
 */
till_code: string, 
/**
 * IANA time zone reports count calendar days in (`Asia/Seoul`, `Europe/Berlin`).
 */
time_zone: string, };

/**
 * One product.
 */
export type Product = { 
/**
 * Stable id (letters, digits, `-`, `_`); empty when adding lets the service choose one.
 */
id: string, 
/**
 * Name printed on receipts and shown first (Korean in a Korean store).
 */
name: string, 
/**
 * Name in the second language (English), shown under the first; may be empty.
 */
name_en: string, 
/**
 * Price of one, in minor units of the store currency.
 */
price_minor: number, 
/**
 * Id of one of the store's tax rates.
 */
tax_id: string, 
/**
 * Barcode digits a scanner types, if the product has one.
 */
barcode: string | null, 
/**
 * Group for the product tiles (`Coffee`, `Bakery`).
 */
category: string, };

/**
 * One line of a cart as the window sends it.
 */
export type CartLineInput = { 
/**
 * Catalog id.
 */
product_id: string, 
/**
 * How many (1 to 999).
 */
quantity: number, };

/**
 * A cart to turn into an order.
 */
export type CartInput = { 
/**
 * The lines, in the order the cashier added them.
 */
lines: Array<CartLineInput>, };

/**
 * A count and a sum.
 */
export type Tally = { 
/**
 * How many.
 */
count: number, 
/**
 * Their sum.
 */
total: Money, };

/**
 * One terminal's figures.
 */
export type TerminalTally = { 
/**
 * Terminal name.
 */
terminal: string, 
/**
 * Approved payments.
 */
sales: Tally, 
/**
 * Succeeded refunds.
 */
refunds: Tally, };

/**
 * One tender's figures (card brand as the terminal reported it).
 */
export type TenderTally = { 
/**
 * `VISA`, `BC`, `Card`, or `Confirmed by manager`.
 */
tender: string, 
/**
 * Approved payments.
 */
sales: Tally, };

/**
 * An attempt that keeps the day open.
 */
export type OpenAttempt = { 
/**
 * Its request id.
 */
request_id: string, 
/**
 * Its order.
 */
order_id: string, 
/**
 * `payment` or `refund`.
 */
kind: string, 
/**
 * Terminal.
 */
terminal: string, 
/**
 * Amount.
 */
amount: Money, 
/**
 * `unknown`, `needs-manager`, or still running.
 */
state: AttemptState, 
/**
 * When it was recorded.
 */
created_at: string, };

/**
 * The Z report.
 */
export type ZReport = { 
/**
 * This close's number (the last one's plus one).
 */
number: number, 
/**
 * Start of the period: the last close, or `None` for the first day.
 */
from: string | null, 
/**
 * End of the period: now.
 */
to: string, 
/**
 * Approved payments.
 */
sales: Tally, 
/**
 * Succeeded refunds.
 */
refunds: Tally, 
/**
 * Sales minus refunds.
 */
net: Money, 
/**
 * Tax contained in the sold orders.
 */
tax: Money, 
/**
 * Failed or refused payment attempts (for information).
 */
declined: number, 
/**
 * Figures per terminal.
 */
by_terminal: Array<TerminalTally>, 
/**
 * Figures per tender.
 */
by_tender: Array<TenderTally>, 
/**
 * Attempts not yet final; the day cannot close while there are any.
 */
unresolved: Array<OpenAttempt>, 
/**
 * Whether [`Service::close_day`] would succeed now.
 */
can_close: boolean, 
/**
 * When the report was closed, once it is.
 */
closed_at: string | null, };

/**
 * What a simulated terminal does with the next payment.
 */
export type DemoBehaviour = "approve" | "decline" | "unknown" | "no-card" | "stuck";

/**
 * One simulated terminal.
 */
export type DemoTerminal = { 
/**
 * Terminal name.
 */
name: string, 
/**
 * Driver kind.
 */
kind: string, };

/**
 * Demo mode as the window shows it.
 */
export type DemoStatus = { 
/**
 * Demo mode is on.
 */
active: boolean, 
/**
 * The simulated terminals.
 */
terminals: Array<DemoTerminal>, 
/**
 * The demo PINs, for the sign-in screen.
 */
pin_hint: string, };

/**
 * What the window needs to draw itself.
 */
export type AppStatus = { 
/**
 * Kassa's version.
 */
version: string, 
/**
 * Demo mode: simulated terminals, demo catalog, demo PINs.
 */
demo: boolean, 
/**
 * Start-up reconciliation is still asking terminals about unfinished payments; no sale
 * starts until it is done.
 */
recovering: boolean, 
/**
 * The store's settings.
 */
store: StoreSettings, 
/**
 * Terminals, the default first.
 */
terminals: Array<TerminalInfo>, 
/**
 * Payments and refunds that are not final (unknown, waiting for a manager, running).
 */
attention: Array<OpenAttempt>, };

/**
 * A terminal as the window lists it.
 */
export type TerminalInfo = { 
/**
 * Its name.
 */
name: string, 
/**
 * Driver kind (`antom-lan`, `kicc`, `iotpay`).
 */
kind: string, 
/**
 * Sales use it when none is chosen.
 */
is_default: boolean, 
/**
 * Its stored driver settings (addresses, ids, key file paths; never keys), for editing.
 */
config: Record<string, unknown>, 
/**
 * What it can do, when its driver could be built.
 */
capabilities: Capabilities | null, 
/**
 * Why it cannot be used, if so.
 */
problem: string | null, };

/**
 * The outcome of a payment (mirrors [`PaymentReport`]).
 */
export type PaymentResult = { 
/**
 * The order.
 */
order_id: string, 
/**
 * The attempt's request id.
 */
payment_request_id: string, 
/**
 * The terminal used.
 */
terminal: string, 
/**
 * Where the attempt ended.
 */
status: AttemptState, 
/**
 * The terminal's payment id when paid.
 */
payment_id: string | null, 
/**
 * Amount in major units as text (`12500`, `12.50`).
 */
amount: string, 
/**
 * Currency code.
 */
currency: string, 
/**
 * The terminal's decline.
 */
decline: Decline | null, 
/**
 * Receipt fields when paid.
 */
receipt: CardReceipt | null, 
/**
 * What the cashier should do now.
 */
message: string, };

/**
 * The outcome of a refund (mirrors [`RefundReport`]).
 */
export type RefundResult = { 
/**
 * The refund's request id.
 */
refund_request_id: string, 
/**
 * The payment refunded.
 */
payment_request_id: string, 
/**
 * The order.
 */
order_id: string, 
/**
 * Where the refund ended.
 */
status: AttemptState, 
/**
 * The terminal's refund id.
 */
refund_id: string | null, 
/**
 * Amount in major units.
 */
amount: string, 
/**
 * Currency code.
 */
currency: string, 
/**
 * Still refundable afterwards, in major units.
 */
refundable_after: string, 
/**
 * The terminal's decline.
 */
decline: Decline | null, 
/**
 * What the manager should do now.
 */
message: string, };

/**
 * An order just recorded from the cart, ready to pay.
 */
export type OrderCreated = { 
/**
 * Its id.
 */
order_id: string, 
/**
 * What to charge.
 */
total: Money, 
/**
 * Tax contained in it.
 */
tax: Money, };

/**
 * Which orders to list.
 */
export type OrderQuery = { 
/**
 * `open`, `paying`, `paid`, `unknown`, `partially-refunded`, `refunded`.
 */
status: string | null, 
/**
 * From this date (`2026-11-21`) or time (RFC 3339).
 */
from: string | null, 
/**
 * Up to this date or time.
 */
to: string | null, 
/**
 * Only this terminal.
 */
terminal: string | null, 
/**
 * Order id, payment request id or the terminal's payment id (prefix).
 */
text: string | null, 
/**
 * Total at least this many minor units.
 */
min_minor: number | null, 
/**
 * Total at most this many minor units.
 */
max_minor: number | null, 
/**
 * At most this many (0 = 200).
 */
limit: number, };

/**
 * One order in the list (mirrors [`OrderSummary`]).
 */
export type OrderRow = { 
/**
 * Order id.
 */
id: string, 
/**
 * When it was recorded.
 */
created_at: string, 
/**
 * `open`, `paying`, `paid`, `unknown`, `partially-refunded` or `refunded`.
 */
status: string, 
/**
 * Its total.
 */
total: Money, 
/**
 * Terminal of its payment.
 */
terminal: string | null, 
/**
 * Its payment attempt.
 */
payment_request_id: string | null, 
/**
 * The terminal's payment id once paid.
 */
terminal_payment_id: string | null, };

/**
 * One line of an order with its figures.
 */
export type OrderLineView = { 
/**
 * Name.
 */
name: string, 
/**
 * Quantity.
 */
quantity: number, 
/**
 * Price of one, minor units.
 */
unit_price_minor: number, 
/**
 * Tax rule.
 */
tax: TaxRate, 
/**
 * Line total, minor units.
 */
total_minor: number, 
/**
 * Tax part, minor units.
 */
tax_minor: number, };

/**
 * One state change of an attempt.
 */
export type JournalView = { 
/**
 * When.
 */
at: string, 
/**
 * Before.
 */
from: AttemptState, 
/**
 * After.
 */
to: AttemptState, 
/**
 * The event (`sent`, `approved`, `lost`, `manager_resolved`...).
 */
event: string, 
/**
 * What came with it, as compact JSON text.
 */
detail: string, };

/**
 * A payment or refund attempt with its journal.
 */
export type AttemptView = { 
/**
 * Request id on the wire.
 */
request_id: string, 
/**
 * `payment` or `refund`.
 */
kind: string, 
/**
 * For refunds, the payment refunded.
 */
payment_request_id: string | null, 
/**
 * Terminal.
 */
terminal: string, 
/**
 * Amount.
 */
amount: Money, 
/**
 * State.
 */
state: AttemptState, 
/**
 * The terminal's id for it.
 */
terminal_ref: string | null, 
/**
 * Refund reason, or why it failed.
 */
reason: string | null, 
/**
 * Who asked (refunds).
 */
actor: string | null, 
/**
 * Recorded at.
 */
created_at: string, 
/**
 * Sent at.
 */
sent_at: string | null, 
/**
 * Last change.
 */
updated_at: string, 
/**
 * State changes, oldest first.
 */
journal: Array<JournalView>, };

/**
 * The approved payment of an order.
 */
export type PaymentView = { 
/**
 * Request id.
 */
request_id: string, 
/**
 * Terminal.
 */
terminal: string, 
/**
 * The terminal's payment id.
 */
terminal_payment_id: string, 
/**
 * Amount charged.
 */
amount: Money, 
/**
 * When the ledger recorded it.
 */
paid_at: string, 
/**
 * Receipt fields.
 */
receipt: CardReceipt, };

/**
 * An order with everything that happened to it.
 */
export type OrderDetailView = { 
/**
 * Order id.
 */
id: string, 
/**
 * Recorded at.
 */
created_at: string, 
/**
 * Status (as in [`OrderRow`]).
 */
status: string, 
/**
 * Who rang it up.
 */
cashier: string, 
/**
 * Lines.
 */
lines: Array<OrderLineView>, 
/**
 * Total.
 */
total: Money, 
/**
 * Tax in it.
 */
tax: Money, 
/**
 * Payment and refund attempts, oldest first.
 */
attempts: Array<AttemptView>, 
/**
 * The approved payment.
 */
payment: PaymentView | null, 
/**
 * Still refundable.
 */
refundable: Money | null, 
/**
 * How the payment's terminal refunds, when it can be asked.
 */
refund_rule: RefundRule | null, };

/**
 * Who is signed in at a window.
 */
export type OperatorView = { 
/**
 * Account id.
 */
account_id: string, 
/**
 * Name.
 */
name: string, 
/**
 * Role.
 */
role: Role, };

/**
 * A manager's PIN given for one action (a manager override at a cashier's till).
 */
export type PinEntry = { 
/**
 * The account whose PIN it is.
 */
account_id: string, 
/**
 * The PIN.
 */
pin: string, };

/**
 * A refund a manager asks for, or records when it was done on the terminal.
 */
export type RefundInput = { 
/**
 * Order id or payment request id.
 */
payment: string, 
/**
 * Amount in minor units; `None` = all that is still refundable.
 */
amount_minor: number | null, 
/**
 * Why.
 */
reason: string, 
/**
 * Set when the refund was done on the terminal itself: the terminal's reference.
 */
terminal_ref: string | null, };

/**
 * A manager's settlement of an attempt recovery could not prove.
 */
export type ResolveInput = { 
/**
 * The attempt.
 */
request_id: string, 
/**
 * What the terminal shows: paid (approved) or not.
 */
paid: boolean, 
/**
 * The terminal's reference (required when paid).
 */
terminal_ref: string | null, 
/**
 * What the terminal's screen or slip shows.
 */
evidence: string, };

/**
 * A terminal to add or change.
 */
export type TerminalInput = { 
/**
 * Name cashiers see.
 */
name: string, 
/**
 * Driver kind.
 */
kind: string, 
/**
 * Driver settings as the driver reads them (host, port, key *files*...).
 */
config: Record<string, unknown>, 
/**
 * Make it the default.
 */
make_default: boolean, };

/**
 * A USB device that is, or may be, an N950: what `kassactl usb list` prints and the terminal
 * settings offer.
 */
export type UsbTerminalView = { 
/**
 * `18d1:2d00`.
 */
ids: string, 
/**
 * `bus 001 device 042` (changes when the device re-enumerates).
 */
location: string, 
/**
 * Maker string, when the device could be opened.
 */
manufacturer: string | null, 
/**
 * Product string.
 */
product: string | null, 
/**
 * Serial number string (what `--serial` matches).
 */
serial: string | null, 
/**
 * `accessory` (ready), `switchable` (an N950 in normal mode), `unidentified` (speaks the
 * accessory protocol, not known as an N950) or `unopened` (see `detail`).
 */
state: string, 
/**
 * Whether it is in accessory mode now.
 */
accessory_mode: boolean, 
/**
 * A sentence for people.
 */
detail: string, };
