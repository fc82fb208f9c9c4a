// How a refund's outcome is told to the manager who asked for it. The service's sentence is
// shown as it is; the colour follows the outcome, and an outcome that is not proven is never
// shown as a failure (its amount stays reserved until the terminal or a manager settles it).

import type { RefundResult } from "./bindings";

export type NoticeKind = "ok" | "bad" | "info";

/** The words when the service sent none, by outcome. */
const FALLBACK: Partial<Record<RefundResult["status"], string>> = {
  succeeded: "Refunded.",
  failed: "The terminal refused the refund.",
  refused: "The refund was not sent: the terminal is not ready.",
};
const UNPROVEN =
  "Refund outcome unknown: check the terminal and settle it under Orders. Its amount stays reserved until then.";

export function refundNotice(r: Pick<RefundResult, "status" | "message">): { text: string; kind: NoticeKind } {
  const kind: NoticeKind = r.status === "succeeded" ? "ok" : r.status === "failed" || r.status === "refused" ? "bad" : "info";
  const text = r.message.trim() !== "" ? r.message : (FALLBACK[r.status] ?? UNPROVEN);
  return { text, kind };
}
