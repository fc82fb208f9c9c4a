import { describe, expect, it } from "vitest";
import type { UsbTerminalView } from "./bindings";
import { applyUsbChoice, snFromProduct, usbChoices } from "./usb";

const n950 = (over: Partial<UsbTerminalView>): UsbTerminalView => ({
  ids: "18d1:4ee7",
  location: "bus 001 device 004",
  manufacturer: "newland",
  product: "QCM2290-IDP _SN: N950SN0001",
  serial: "N950SN0001",
  state: "switchable",
  accessory_mode: false,
  detail: "an N950 in normal mode (accessory protocol 2): switched at first use",
  ...over,
});

describe("USB terminals in the settings", () => {
  it("reads the terminal's SN from its product string", () => {
    expect(snFromProduct("QCM2290-IDP _SN: N950SN0001")).toBe("N950SN0001");
    expect(snFromProduct("QCM2290-IDP _SN:ABC-12")).toBe("ABC-12");
    expect(snFromProduct("Pixel")).toBeNull();
    expect(snFromProduct(null)).toBeNull();
  });

  it("lists ready terminals first and devices that cannot be opened last, not pickable", () => {
    const list = usbChoices([
      n950({ state: "unopened", location: "bus 001 device 009", manufacturer: null, product: null, serial: null, detail: "no permission" }),
      n950({ state: "unidentified", manufacturer: "Google", product: "Pixel", serial: "PHONE1" }),
      n950({ state: "accessory", ids: "18d1:2d00", accessory_mode: true, serial: "N950SN0002", product: "QCM2290-IDP _SN: N950SN0002" }),
      n950({}),
    ]);
    expect(list.map((c) => c.stateLabel)).toEqual([
      "Ready (accessory mode)",
      "N950 — switched at first use",
      "Not identified as an N950",
      "Cannot be opened",
    ]);
    expect(list.map((c) => c.usable)).toEqual([true, true, true, false]);
    expect(list[0]?.title).toBe("newland QCM2290-IDP _SN: N950SN0002");
    expect(list[3]?.title).toBe("USB device 18d1:4ee7");
    expect(list[3]?.detail).toBe("no permission");
    expect(list[2]?.clientId).toBe("PHONE1");
  });

  it("choosing fills the serial, and the Client-Id only when none was typed", () => {
    const [choice] = usbChoices([n950({})]);
    expect(choice).toBeDefined();
    const filled = applyUsbChoice({ host: "x" }, choice!);
    expect(filled).toEqual({ host: "x", serial: "N950SN0001", client_id: "N950SN0001" });
    const kept = applyUsbChoice({ client_id: "TYPED" }, choice!);
    expect(kept["client_id"]).toBe("TYPED");
    expect(kept["serial"]).toBe("N950SN0001");
  });
});
