// Drives the real window to a busy checkout (signed-in cashier, a cart of the demo café's
// menu) and captures the X display with ImageMagick's `import`: docs/screenshot-checkout.png.
// Then a card payment waiting for the card: docs/screenshot-payment.png. Run by
// scripts/screenshot.sh, which starts Xvfb and tauri-driver first.
import { execFileSync } from "node:child_process";
import { Key, launch } from "./harness.mjs";
import { pressPay } from "./specs.mjs";

const out = (name) => new URL(`../../docs/${name}`, import.meta.url).pathname;
const capture = (name) => execFileSync("import", ["-window", "root", out(name)]);
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
/** Waits until WebKit has painted two more frames, so the X display shows the current DOM. */
const painted = (w) =>
  w.driver.executeAsyncScript("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));");

const w = await launch();
try {
  await w.signIn("Park Jun", "0000");
  for (const code of ["8800000000001", "8800000000001", "8800000000002", "8800000000011", "8800000000012", "8800000000016"]) {
    await w.type("search", code + Key.ENTER);
  }
  await w.el("cart-line-cheesecake");
  // Let the focus ring, fonts and the terminal's status light settle before the capture.
  await w.waitFor(async () => (await w.driver.findElements({ css: ".light.ok" })).length > 0, "the terminal light");
  await w.waitFor(async () => (await w.driver.findElements({ css: ".tile" })).length >= 20, "every tile");
  await painted(w);
  await pause(600);
  capture("screenshot-checkout.png");
  console.log(`wrote ${out("screenshot-checkout.png")}`);

  await w.click("demo-toggle");
  await w.click("demo-kicc-no-card");
  await pressPay(w);
  await w.waitFor(async () => (await w.text("payment-phase", 2000)) === "Insert or tap card", "Insert or tap card");
  await pause(2300);
  await painted(w);
  capture("screenshot-payment.png");
  console.log(`wrote ${out("screenshot-payment.png")}`);
  await w.click("payment-cancel");
  await w.waitAttr("payment-dialog", "data-state", "declined");
} finally {
  await w.quit();
}
