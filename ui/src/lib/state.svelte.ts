// Window-wide state shared by the screens: the shell's status, who is signed in, the catalog,
// and the manager-PIN prompt that any screen can ask for (a manager override at a cashier's
// till). Svelte 5 runes in a module: components read these objects and re-render on change.

import { api } from "./api";
import type { AccountView, AppStatus, OperatorView, PinEntry, Product } from "./bindings";

export const app = $state({
  status: null as AppStatus | null,
  operator: null as OperatorView | null,
  catalog: [] as Product[],
  accounts: [] as AccountView[],
  bootError: null as string | null,
});

/** While start-up recovery runs, the status is asked again this often (ms). */
export const RECOVERY_RECHECK_MS = 1000;

// Questions overlap (boot, the 15 s poll, status events, after a payment) and the shell may
// answer them in any order: each question gets a number, and an answer older than the one
// shown is dropped, so a late "recovering" never hides that recovery has finished.
let asked = 0;
let shown = 0;
let recheck: ReturnType<typeof setTimeout> | null = null;

/**
 * Reloads the status (terminals, demo flag, unresolved attempts). Only the newest answer is
 * kept; while the shell reports start-up recovery, the status is asked again every
 * [`RECOVERY_RECHECK_MS`] so sales open as soon as it is done.
 */
export async function refreshStatus(): Promise<void> {
  const ticket = ++asked;
  let answer: { ok: true; status: AppStatus } | { ok: false; error: string };
  try {
    answer = { ok: true, status: await api.appStatus() };
  } catch (e) {
    answer = { ok: false, error: (e as { message?: string }).message ?? String(e) };
  }
  if (ticket < shown) return;
  shown = ticket;
  if (answer.ok) {
    app.status = answer.status;
    app.bootError = null;
  } else {
    app.bootError = answer.error;
  }
  // One pending re-ask at most, whoever asked; a failed question keeps the last status.
  if (app.status?.recovering && recheck === null) {
    recheck = setTimeout(() => {
      recheck = null;
      void refreshStatus();
    }, RECOVERY_RECHECK_MS);
  }
}

export async function refreshCatalog(): Promise<void> {
  app.catalog = await api.catalog();
}

export function isManager(): boolean {
  return app.operator?.role === "manager";
}

/** A pending request for a manager's PIN: `run` performs the action with the PIN entered. */
interface PromptRequest {
  reason: string;
  run: (entry: PinEntry) => Promise<void>;
  cancel: () => void;
}

export const managerPrompt = $state({ request: null as PromptRequest | null });

/** Error codes the shell uses when the PIN itself was refused (the prompt stays open). */
export const PIN_ERRORS = new Set(["wrong-pin", "pin-locked"]);

/**
 * Runs `action` as a manager: directly when a manager is signed in, otherwise after a
 * manager enters their PIN (passed along for this one action). Resolves `null` when the PIN
 * prompt is cancelled; a wrong PIN keeps the prompt open; any other error closes it and
 * rejects. The service checks the role again, whatever the window does.
 */
export function asManager<T>(reason: string, action: (pin: PinEntry | null) => Promise<T>): Promise<T | null> {
  if (isManager()) return action(null);
  return new Promise<T | null>((resolve, reject) => {
    managerPrompt.request = {
      reason,
      run: async (entry) => {
        try {
          const result = await action(entry);
          managerPrompt.request = null;
          resolve(result);
        } catch (e) {
          const code = (e as { code?: string }).code ?? "";
          if (PIN_ERRORS.has(code)) throw e;
          managerPrompt.request = null;
          reject(e);
        }
      },
      cancel: () => {
        managerPrompt.request = null;
        resolve(null);
      },
    };
  });
}

/** Toasts: short confirmations at the bottom of the window. */
export const toasts = $state({ items: [] as { id: number; text: string; kind: "ok" | "bad" | "info" }[] });
let toastSeq = 0;
export function toast(text: string, kind: "ok" | "bad" | "info" = "ok"): void {
  const id = ++toastSeq;
  toasts.items = [...toasts.items, { id, text, kind }];
  setTimeout(() => {
    toasts.items = toasts.items.filter((t) => t.id !== id);
  }, 3500);
}
