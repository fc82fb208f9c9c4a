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

/** Reloads the status (terminals, demo flag, unresolved attempts). */
export async function refreshStatus(): Promise<void> {
  try {
    app.status = await api.appStatus();
    app.bootError = null;
  } catch (e) {
    app.bootError = (e as { message?: string }).message ?? String(e);
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
