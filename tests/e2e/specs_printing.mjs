// End-to-end tests of printing: printers added and edited in Settings → Printers, receipts
// and refund slips saved by a folder printer (read back with pdftotext), and a thermal
// printer that is off, whose job is retried once it is back or cancelled.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BOUND_MS, By, Key } from "./harness.mjs";
import { AMERICANO, MANAGER_PIN, openLatestOrder, payAndWait, scan, toastSays, withApp } from "./specs.mjs";

/** Picks `value` in the <select> with this test id. */
async function choose(w, id, value) {
  const el = await w.el(id);
  await w.driver.executeScript(
    "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change', { bubbles: true }));",
    el,
    value,
  );
}

/** Enters the manager's PIN in the prompt a cashier gets. */
async function managerPin(w) {
  await w.el("manager-prompt");
  await w.type("pin-input", MANAGER_PIN + Key.ENTER);
  await w.waitFor(async () => !(await w.has("manager-prompt")), "the PIN prompt to close");
}

/** Adds a printer in Settings → Printers (the cashier asks for the manager's PIN). */
async function addPrinter(w, { name, kind, where, paper }) {
  await w.click("nav-settings");
  await w.click("settings-tab-printers");
  await w.click("printer-add");
  await w.type("printer-name", name);
  await choose(w, "printer-kind", kind);
  await w.type("printer-where", where);
  await choose(w, "printer-paper", paper);
  await w.click("printer-save");
  await managerPin(w);
  await w.el(`printer-${name}`);
}

/** The first element whose test id starts with `prefix`, once there is one. */
function firstByPrefix(w, prefix, what) {
  return w.driver.wait(
    async () => (await w.driver.findElements(By.css(`[data-testid^="${prefix}"]`)))[0],
    BOUND_MS,
    what,
  );
}

/** Waits for a file in `dir` whose name matches `re`; returns its path. */
async function fileIn(w, dir, re, what) {
  let found = null;
  await w.waitFor(() => (found = readdirSync(dir).find((f) => re.test(f)) ?? null), what);
  return join(dir, found);
}

const pdfText = (path) => execFileSync("pdftotext", ["-layout", path, "-"], { encoding: "utf8" });
const squeeze = (s) => s.replace(/\s+/g, "");

async function sellAmericano(w) {
  await w.click("nav-checkout");
  await scan(w, AMERICANO);
  await payAndWait(w, "approved");
  await w.click("payment-done");
}

/** A port on 127.0.0.1 where nothing listens. */
async function deadPort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** A thermal printer on `port` that takes one job; resolves with its bytes. */
function printerOn(port) {
  const server = createServer();
  const job = new Promise((resolve) => {
    server.on("connection", (c) => {
      const chunks = [];
      c.on("data", (d) => chunks.push(d));
      c.on("end", () => resolve(Buffer.concat(chunks)));
    });
  });
  return new Promise((r) => server.listen(port, "127.0.0.1", () => r({ job, close: () => server.close() })));
}

/** A folder printer, edited, saves the receipt and refund slips into `dir`. */
async function receiptsInFolder(w, dir) {
  await addPrinter(w, { name: "Folder", kind: "folder", where: dir, paper: "80mm" });
  assert.equal(await w.text("printer-paper-Folder"), "80 mm");

  // Editing prefills the form; the name, which jobs refer to, stays.
  await w.click("printer-edit-Folder");
  assert.equal(await w.attr("printer-where", "value"), dir);
  assert.equal(await w.attr("printer-name", "value"), "Folder");
  assert.ok(await w.attr("printer-name", "readonly"), "the name cannot change");
  await choose(w, "printer-paper", "a4");
  await w.click("printer-save");
  await managerPin(w);
  await w.waitFor(async () => (await w.text("printer-paper-Folder", 2000)) === "A4", "the paper to read A4");

  // The sale auto-prints the customer's receipt: A4, closed by the store's footer.
  await sellAmericano(w);
  const sale = await fileIn(w, dir, /^sale_O.*_customer\.pdf$/, "the sale receipt PDF");
  const status = await w.invoke("app_status");
  const footer = status.value.store.receipt_footer;
  assert.ok(footer.trim().length > 0, "the demo store has a footer");
  assert.ok(squeeze(pdfText(sale)).includes(squeeze(footer)), `the footer ${footer} is on the receipt`);
  const size = execFileSync("pdfinfo", [sale], { encoding: "utf8" });
  assert.match(size, /Page size:\s+595\.\d* x 841\.\d*/, "A4 after the edit");

  // Refund it; its slip auto-prints, and the order's Print refund slip prints it again.
  await openLatestOrder(w);
  await w.click("refund-button");
  await w.type("refund-reason", "Wrong drink served");
  await w.click("refund-submit");
  await managerPin(w);
  await w.waitFor(async () => (await w.text("order-status", 2000)) === "Refunded", "the refund");
  const slip = await firstByPrefix(w, "refund-print-R", "the refund's Print refund slip button");
  const refundId = (await slip.getAttribute("data-testid")).slice("refund-print-".length);
  await fileIn(w, dir, new RegExp(`^refund_${refundId}_customer\\.pdf$`), "the auto-printed refund slip");
  await w.click(`refund-print-${refundId}`);
  await toastSays(w, /Refund slip sent to Folder/, "the refund slip toast");
  await fileIn(w, dir, new RegExp(`^refund_${refundId}_customer-2\\.pdf$`), "the reprinted refund slip");
  await w.click(`refund-print-merchant-${refundId}`);
  const merchant = await fileIn(w, dir, new RegExp(`^refund_${refundId}_merchant\\.pdf$`), "the store copy");
  assert.match(pdfText(merchant), new RegExp(refundId), "the slip names its refund");
}

export const tests = [
  [
    "printing: a folder printer edited to A4 saves the receipt with the store's footer; a refund slip prints from the order",
    (name) =>
      withApp(name, {}, async (w) => {
        const dir = mkdtempSync(join(tmpdir(), "kassa-e2e-receipts-"));
        try {
          await receiptsInFolder(w, dir);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
  ],
  [
    "printing: a receipt for a printer that is off is retried once it is back, or cancelled",
    (name) =>
      withApp(name, {}, async (w) => {
        const port = await deadPort();
        await addPrinter(w, { name: "Counter", kind: "escpos", where: `127.0.0.1:${port}`, paper: "58mm" });
        await sellAmericano(w);

        // The failed job shows on the status strip, which leads to the printers.
        await w.waitAttr("printer-status", "data-health", "failing");
        await w.click("printer-status");
        await w.click("settings-tab-printers");
        const retry = await firstByPrefix(w, "print-job-retry-", "a Retry button");
        const job = (await retry.getAttribute("data-testid")).slice("print-job-retry-".length);
        assert.match(await w.text(`print-job-${job}`), /^Receipt O\S+ \(customer copy\)/);
        assert.match(await w.text(`print-job-error-${job}`), /switched on/);

        // Still off: Retry says so and the job stays.
        const tries = Number(await w.attr(`print-job-${job}`, "data-tries"));
        await w.click(`print-job-retry-${job}`);
        await toastSays(w, /switched on/, "the retry's failure");
        await w.waitFor(
          async () => Number(await w.attr(`print-job-${job}`, "data-tries", 2000)) > tries,
          "one more try on the job",
        );

        // Back on: Retry prints it at once and the list empties.
        const printer = await printerOn(port);
        try {
          await w.click(`print-job-retry-${job}`);
          const bytes = await printer.job;
          assert.ok(bytes.length > 1000, "a raster receipt reached the printer");
          await toastSays(w, /printed on Counter/, "the printed toast");
          await w.waitFor(async () => !(await w.has("print-jobs")), "the waiting list to empty");
        } finally {
          printer.close();
        }

        // Off again: a reprint waits, and Cancel drops it.
        await openLatestOrder(w);
        await w.click("order-print");
        await w.click("nav-settings");
        await w.click("settings-tab-printers");
        const cancel = await firstByPrefix(w, "print-job-cancel-", "a Cancel button");
        await cancel.click();
        await toastSays(w, /will not print/, "the cancel toast");
        await w.waitFor(async () => !(await w.has("print-jobs")), "the waiting list to empty");
        const after = await w.invoke("printer_status");
        assert.deepEqual(after.value.jobs, [], "nothing waits to print");
      }),
  ],
];
