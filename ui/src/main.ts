// Entry point: mounts the cashier window, or the kiosk when this webview is the `kiosk` window.
import "./app.css";
import { mount } from "svelte";
import App from "./App.svelte";
import Kiosk from "./screens/Kiosk.svelte";
import { windowLabel } from "./lib/window";

async function start(): Promise<void> {
  if (import.meta.env.DEV && !("__TAURI_INTERNALS__" in window)) {
    // `npm run dev` in a plain browser: a fake shell so screens can be designed without Rust.
    const { installMock } = await import("./lib/mock");
    installMock();
  }
  const target = document.getElementById("app");
  if (!target) throw new Error("index.html lacks #app");
  const kiosk = windowLabel() === "kiosk";
  document.documentElement.classList.toggle("kiosk", kiosk);
  mount(kiosk ? Kiosk : App, { target });
}

void start();
