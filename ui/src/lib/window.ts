// Which window this UI runs in: `main` (cashier and manager) or `kiosk` (self-service).

interface TauriInternals {
  metadata?: { currentWindow?: { label?: string } };
}

export function windowLabel(): string {
  const internals = (window as unknown as { __TAURI_INTERNALS__?: TauriInternals }).__TAURI_INTERNALS__;
  const label = internals?.metadata?.currentWindow?.label;
  if (label) return label;
  return location.hash === "#kiosk" ? "kiosk" : "main";
}
