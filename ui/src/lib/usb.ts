// The USB devices the terminal settings offer for an N950 on a cable: which to list first,
// what each is called, and which serial number and Client-Id choosing one fills in.

import type { UsbTerminalView } from "./bindings";

export interface UsbChoice {
  /** Stable key (ids + location + serial). */
  key: string;
  /** What people read: maker and product, else the ids. */
  title: string;
  /** The USB serial number to store (`serial` of the settings), when the device gave one. */
  serial: string | null;
  /** The terminal's SN as Antom issued it (its Client-Id), read from `_SN:` in the product
   * string, else the USB serial. */
  clientId: string | null;
  /** Whether choosing it makes sense: a device that could not be opened is listed with its
   * reason (permission, another program) but cannot be picked until that is fixed. */
  usable: boolean;
  badge: "ok" | "warn" | "bad";
  stateLabel: string;
  detail: string;
  location: string;
}

/** The `_SN:` of an N950's product string (`QCM2290-IDP _SN: N950SN0001`). */
export function snFromProduct(product: string | null): string | null {
  const m = product?.match(/_SN:\s*([A-Za-z0-9_-]+)/);
  return m?.[1] ?? null;
}

/** What each state is called, in the order the list shows them: ready devices first, then
 * N950s still in normal mode, then the rest. */
const LABELS: Record<string, [string, UsbChoice["badge"]]> = {
  accessory: ["Ready (accessory mode)", "ok"],
  switchable: ["N950 — switched at first use", "ok"],
  unidentified: ["Not identified as an N950", "warn"],
  unopened: ["Cannot be opened", "bad"],
};

export function usbChoices(found: UsbTerminalView[]): UsbChoice[] {
  const order = Object.keys(LABELS);
  const rank = (s: string) => {
    const i = order.indexOf(s);
    return i < 0 ? order.length : i;
  };
  return [...found]
    .sort((a, b) => rank(a.state) - rank(b.state) || a.location.localeCompare(b.location))
    .map((d) => {
      const [stateLabel, badge] = LABELS[d.state] ?? [d.state, "warn"];
      const name = [d.manufacturer, d.product].filter((x): x is string => !!x).join(" ");
      const serial = d.serial?.trim() || null;
      return {
        key: `${d.ids}@${d.location}#${serial ?? ""}`,
        title: name || `USB device ${d.ids}`,
        serial,
        clientId: snFromProduct(d.product) ?? serial,
        usable: d.state !== "unopened",
        badge,
        stateLabel,
        detail: d.detail,
        location: d.location,
      };
    });
}

/** The settings a choice fills in: the USB serial always, the Client-Id only when empty
 * (a typed one is kept). */
export function applyUsbChoice(
  values: Record<string, string | boolean>,
  choice: UsbChoice,
): Record<string, string | boolean> {
  const out = { ...values };
  if (choice.serial) out["serial"] = choice.serial;
  const typed = typeof out["client_id"] === "string" ? (out["client_id"] as string).trim() : "";
  if (typed === "" && choice.clientId) out["client_id"] = choice.clientId;
  return out;
}
