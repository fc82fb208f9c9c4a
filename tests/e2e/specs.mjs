// The end-to-end tests: each drives the real Kassa window (demo mode, fresh ledger) through
// tauri-driver, with the simulators in the app deciding outcomes as the demo controls say.
import assert from "node:assert/strict";
import { BOUND_MS, By, Key, launch } from "./harness.mjs";

// Barcodes of the demo catalog (kassa-app demo.rs): 88000000 + position.
export const AMERICANO = "8800000000001";
export const LATTE = "8800000000002";
export const WHOLE_CAKE = "8800000000018";
export const CASHIER = ["Park Jun", "0000"];
export const MANAGER_PIN = "1234";

/** Runs `body` on a fresh app session; on failure keeps a screenshot in artifacts/. */
export async function withApp(name, { args = [], cashier = true }, body) {
  const w = await launch(args);
  try {
    if (cashier) await w.signIn(...CASHIER);
    await body(w);
  } catch (e) {
    await w.screenshot(name);
    throw e;
  } finally {
    await w.quit();
  }
}

export async function scan(w, code) {
  await w.type("search", code + Key.ENTER);
}

export async function demo(w, id) {
  if (!(await w.has("demo-kicc-approve")) || !(await (await w.el("demo-kicc-approve", 2000)).isDisplayed())) {
    await w.click("demo-toggle");
  }
  await w.click(id);
}

/**
 * Bound on Pay opening once the cart has a line. On a fresh ledger start-up recovery has
 * nothing to ask and the window re-asks its status every second while recovery runs, so Pay
 * opens within a few seconds; a Pay still off after this bound is a fault (before the fix, a
 * stale "recovering" answer kept it off until the 15 s poll).
 */
export const PAY_OPENS_MS = 30_000;

/** Checks that Pay is on (the button says so with aria-disabled, see Checkout.svelte). */
export async function payOpens(w) {
  await w.waitAttr("pay-button", "aria-disabled", "false", PAY_OPENS_MS);
}

export async function pressPay(w) {
  await payOpens(w);
  await w.click("pay-button");
}

export async function payAndWait(w, outcome, timeout = BOUND_MS) {
  await pressPay(w);
  await w.waitAttr("payment-dialog", "data-state", outcome, timeout);
}

/** Waits for a toast whose text matches `re` (toasts stay 3.5 s; the wait polls faster). */
export async function toastSays(w, re, what = `a toast matching ${re}`) {
  await w.waitFor(async () => {
    for (const t of await w.driver.findElements(By.css('[data-testid="toast"]'))) {
      if (re.test(await t.getText())) return true;
    }
    return false;
  }, what);
}

export async function openLatestOrder(w) {
  await w.click("nav-orders");
  const open = await w.driver.wait(
    async () => (await w.driver.findElements(By.css('[data-testid^="order-open-"]')))[0],
    BOUND_MS,
    "an order row",
  );
  await open.click();
  await w.el("order-detail");
}

export const tests = [
  [
    "approved sale, keyboard only: barcode + Enter, F2 pays, Enter starts the next sale",
    (name) =>
      withApp(name, {}, async (w) => {
        assert.ok(await w.has("demo-banner"), "demo mode shows its banner");
        assert.match(await w.text("demo-banner"), /DEMO — simulated terminals/);
        await scan(w, AMERICANO);
        await scan(w, AMERICANO);
        await w.el("cart-line-americano");
        assert.equal(await w.text("qty-americano"), "2");
        assert.equal(await w.text("cart-total"), "₩9,000", "KRW without decimals");
        assert.equal(await w.text("cart-tax"), "₩818", "VAT 10 % contained in the price");
        // Start-up recovery of a fresh ledger is done within seconds: Pay opens by itself.
        await payOpens(w);
        await w.type("search", Key.F2);
        await w.waitAttr("payment-dialog", "data-state", "approved");
        assert.equal(await w.text("payment-outcome"), "Approved");
        await w.type("search", Key.ENTER);
        await w.waitFor(async () => !(await w.has("payment-dialog")), "the dialog to close");
        assert.equal(await w.text("cart-total"), "₩0", "a new sale starts empty");
        // Pay with nothing to pay says why instead of doing nothing.
        await w.type("search", Key.ENTER);
        await toastSays(w, /The cart is empty/);
        assert.equal(await w.attr("pay-button", "aria-disabled"), "true");
        assert.ok(!(await w.has("payment-dialog")), "no payment starts");
      }),
  ],
  [
    "double click on Pay starts one payment",
    (name) =>
      withApp(name, {}, async (w) => {
        await scan(w, LATTE);
        await payOpens(w);
        const pay = await w.el("pay-button");
        await w.driver.actions().doubleClick(pay).perform();
        await w.waitAttr("payment-dialog", "data-state", "approved");
        await w.click("payment-done");
        await openLatestOrder(w);
        const attempts = await w.driver.findElements(By.css('[data-testid^="attempt-"]'));
        assert.equal(attempts.length, 1, "exactly one payment attempt was made");
        assert.equal(await w.text("order-status"), "Paid");
      }),
  ],
  [
    "declined sale shows the reason in a cashier's words and offers another try",
    (name) =>
      withApp(name, {}, async (w) => {
        await demo(w, "demo-kicc-decline");
        await scan(w, AMERICANO);
        await payAndWait(w, "declined");
        assert.equal(await w.text("payment-reason"), "Not enough funds on the card");
        assert.ok(await w.has("payment-retry"), "try again is offered");
        assert.ok(await w.has("payment-retry-Demo N950"), "another terminal is offered");
        await w.click("payment-retry");
        await w.waitAttr("payment-dialog", "data-state", "approved");
      }),
  ],
  [
    "cancel during the countdown (KICC)",
    (name) =>
      withApp(name, {}, async (w) => {
        await demo(w, "demo-kicc-no-card");
        await scan(w, AMERICANO);
        await pressPay(w);
        await w.waitFor(async () => (await w.text("payment-phase", 2000)) === "Insert or tap card", "Insert or tap card");
        const secs = Number(await w.attr("countdown", "data-seconds"));
        assert.ok(secs > 0 && secs <= 30, `a countdown from paymentExpiryTime runs (${secs})`);
        await w.click("payment-cancel");
        await w.waitAttr("payment-dialog", "data-state", "declined");
        assert.equal(await w.text("payment-outcome"), "Declined");
      }),
  ],
  [
    "KICC sale over 50,000 KRW shows the signature countdown",
    (name) =>
      withApp(name, {}, async (w) => {
        await scan(w, WHOLE_CAKE);
        assert.equal(await w.text("cart-total"), "₩52,000");
        await pressPay(w);
        await w.waitFor(async () => (await w.text("payment-phase", 2000)) === "Customer signing", "Customer signing");
        const secs = Number(await w.attr("countdown", "data-seconds"));
        assert.ok(secs > 10 && secs <= 20, `the signature countdown restarts at 20 s (${secs})`);
        assert.ok(!(await w.has("payment-cancel")), "no cancel while the customer signs");
        await w.waitAttr("payment-dialog", "data-state", "approved");
      }),
  ],
  [
    "an unknown outcome is recovered from the terminal",
    (name) =>
      withApp(name, {}, async (w) => {
        await demo(w, "demo-kicc-unknown");
        await scan(w, AMERICANO);
        await payAndWait(w, "approved", 2 * BOUND_MS);
        await w.click("payment-done");
        await openLatestOrder(w);
        const timeline = await w.text("order-timeline");
        assert.match(timeline, /Answer lost — outcome unknown/, "the journal shows the lost answer");
        assert.match(timeline, /Approved/, "recovery found the payment approved");
        assert.equal(await w.text("order-status"), "Paid");
      }),
  ],
  [
    "a refund needs the manager PIN: refused without it, done with it",
    (name) =>
      withApp(name, {}, async (w) => {
        await scan(w, AMERICANO);
        await payAndWait(w, "approved");
        await w.click("payment-done");
        await openLatestOrder(w);
        const orderId = await w.attr("order-detail", "data-order");
        // The service itself refuses a cashier, whatever the window does.
        const direct = await w.invoke("refund", {
          input: { payment: orderId, amount_minor: null, reason: "test", terminal_ref: null },
          manager: null,
        });
        assert.equal(direct.ok, false);
        assert.match(direct.error, /manager must enter their PIN/);
        // Through the window: the manager prompt appears; without a PIN nothing happens.
        await w.click("refund-button");
        await w.type("refund-reason", "Wrong drink served");
        await w.click("refund-submit");
        await w.el("manager-prompt");
        await w.click("pin-cancel");
        await w.waitFor(async () => !(await w.has("manager-prompt")), "the prompt to close");
        assert.equal(await w.text("order-status"), "Paid", "nothing was refunded");
        // A wrong PIN is refused and the prompt stays; the manager's PIN refunds.
        await w.click("refund-submit");
        await w.type("pin-input", "9999" + Key.ENTER);
        await w.waitFor(async () => /wrong PIN/.test(await w.text("pin-error", 2000)), "the wrong-PIN message");
        const input = await w.el("pin-input");
        await input.sendKeys(MANAGER_PIN + Key.ENTER);
        await w.waitFor(async () => (await w.text("order-status", 2000)) === "Refunded", "the order to be refunded");
      }),
  ],
  [
    "the kiosk window cannot reach refunds, orders or settings",
    (name) =>
      withApp(name, { args: ["--kiosk"], cashier: false }, async (w) => {
        await w.el("kiosk-attract", 2 * BOUND_MS);
        assert.ok(!(await w.has("nav-orders")), "no orders screen in the kiosk");
        const refund = await w.invoke("refund", {
          input: { payment: "O1", amount_minor: null, reason: "x", terminal_ref: null },
          manager: null,
        });
        assert.equal(refund.ok, false);
        assert.match(refund.error, /not allowed|denied/i, refund.error);
        for (const [cmd, args] of [
          ["orders", { query: { limit: 1 } }],
          ["save_store", { settings: {}, manager: null }],
          ["demo_queue", { terminal: "Demo KICC", behaviour: "decline" }],
        ]) {
          const r = await w.invoke(cmd, args);
          assert.equal(r.ok, false, `${cmd} must be refused`);
          assert.match(r.error, /not allowed|denied/i, r.error);
        }
        const status = await w.invoke("app_status");
        assert.equal(status.ok, true, "the kiosk's own commands work");
        // And it sells.
        await w.click("kiosk-lang-en");
        assert.match(await w.text("kiosk-start"), /Touch to order/);
        await w.click("kiosk-attract");
        await w.click("kiosk-tile-americano");
        await w.click("kiosk-pay");
        await w.waitAttr("kiosk-payment", "data-state", "approved");
      }),
  ],
];
