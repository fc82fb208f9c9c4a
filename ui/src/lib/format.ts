// Small display helpers shared by the screens: times, statuses and journal events in words.

import type { AttemptState } from "./bindings";

/** `2026-11-21T14:03:11.123+09:00` → `11-21 14:03` (the time as the ledger recorded it). */
export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(iso);
  if (!m) return iso;
  return `${m[2]}-${m[3]} ${m[4]}:${m[5]}`;
}

/** Same with seconds, for timelines. */
export function whenExact(iso: string | null | undefined): string {
  if (!iso) return "—";
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(iso);
  if (!m) return iso;
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`;
}

export type BadgeKind = "ok" | "bad" | "warn" | "info" | "";

/** An order status as a badge. */
export function statusBadge(status: string): { text: string; kind: BadgeKind } {
  switch (status) {
    case "paid":
      return { text: "Paid", kind: "ok" };
    case "refunded":
      return { text: "Refunded", kind: "bad" };
    case "partially-refunded":
      return { text: "Partly refunded", kind: "warn" };
    case "unknown":
      return { text: "Unknown", kind: "warn" };
    case "paying":
      return { text: "Paying", kind: "info" };
    case "open":
      return { text: "Open", kind: "" };
    default:
      return { text: status, kind: "" };
  }
}

/** An attempt state as a badge. */
export function attemptBadge(state: AttemptState): { text: string; kind: BadgeKind } {
  switch (state) {
    case "succeeded":
      return { text: "Succeeded", kind: "ok" };
    case "failed":
      return { text: "Failed", kind: "bad" };
    case "refused":
      return { text: "Not sent", kind: "" };
    case "unknown":
      return { text: "Unknown", kind: "warn" };
    case "needs-manager":
      return { text: "Needs a manager", kind: "warn" };
    case "created":
    case "sending":
    case "awaiting":
      return { text: "Running", kind: "info" };
  }
}

/** A journal event in words. */
export function eventWords(event: string): string {
  const words: Record<string, string> = {
    begin: "Recorded",
    diagnosed_ok: "Terminal ready",
    diagnose_failed: "Terminal not ready",
    sent: "Sent to the terminal",
    request_failed: "Could not be sent",
    approved: "Approved",
    declined: "Declined",
    lost: "Answer lost — outcome unknown",
    escalate: "Handed to a manager",
    escalated: "Handed to a manager",
    manager_resolved: "Settled by a manager",
    recorded_on_terminal: "Recorded as done on the terminal",
    terminal_ref: "Terminal reference recorded",
    refund_approved: "Refunded",
  };
  return words[event] ?? event.replace(/_/g, " ");
}
