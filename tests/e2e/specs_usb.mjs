// End-to-end tests of the N950 on a USB cable: demo mode cables its simulated N950 to a
// simulated USB bus (the byte-level fake device, with the simulator's USB side behind it).
import assert from "node:assert/strict";
import { By } from "./harness.mjs";
import { AMERICANO, payAndWait, scan, withApp } from "./specs.mjs";

const SN = "N950DEMO0001";

/**
 * Bound on the simulated N950 appearing in the USB list. Listing opens the simulated bus and
 * asks each device for its strings; a loaded machine once needed more than 30 s. The wait
 * polls, so this only bounds a fault.
 */
const USB_LISTED_MS = 120_000;

/** Picks the option whose text is `label` in the <select> with this test id. */
async function choose(w, id, label) {
  const select = await w.el(id);
  await (await select.findElement(By.xpath(`.//option[normalize-space(.)="${label}"]`))).click();
}

async function openUsbList(w) {
  await w.click("nav-terminals");
  await w.click("terminal-add");
  await choose(w, "terminal-kind", "Antom N950 (USB cable)");
  await w.el(`usb-device-${SN}`, USB_LISTED_MS);
}

export const tests = [
  [
    "the terminal settings list the N950 found on USB, and a sale runs over the cable",
    (name) =>
      withApp(name, {}, async (w) => {
        await openUsbList(w);
        // Found in normal mode, or already switched: the Terminals screen tests every
        // terminal as it opens, and testing the USB one switches it to accessory mode.
        assert.match(await w.text(`usb-device-${SN}`), /N950 — switched at first use|Ready \(accessory mode\)/);
        await w.click(`usb-use-${SN}`);
        const value = async (id) => (await w.el(id)).getAttribute("value");
        assert.equal(await value("terminal-field-serial"), SN, "its USB serial is filled in");
        assert.equal(await value("terminal-field-client_id"), SN, "and its SN as the Client-Id");
        assert.equal(await w.text(`usb-use-${SN}`), "Chosen");
        await w.click("terminal-cancel");

        await w.click("nav-checkout");
        await choose(w, "terminal-select", "Demo N950 USB");
        await scan(w, AMERICANO);
        await payAndWait(w, "approved");
        await w.click("payment-done");

        // After the sale the terminal is in accessory mode; the list says it is ready.
        await openUsbList(w);
        await w.waitFor(
          async () => /Ready \(accessory mode\)/.test(await w.text(`usb-device-${SN}`, 2000)),
          "the terminal to show as ready",
          USB_LISTED_MS,
        );
      }),
  ],
];
