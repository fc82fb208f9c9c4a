// The e2e harness: a WebDriver session on the real Kassa window through tauri-driver, and
// helpers that wait on `data-testid`s (never on time alone).
import { mkdirSync, writeFileSync } from "node:fs";
import { Builder, By, until, Key } from "selenium-webdriver";

export { By, Key };

const SERVER = process.env.KASSA_E2E_DRIVER ?? "http://127.0.0.1:4444/";

/**
 * How long a wait on a condition may last before the test fails: far above what the slowest
 * machine needs (the waits poll, so a fast machine never waits this long), so a loaded
 * machine is never mistaken for a broken window.
 */
export const BOUND_MS = 60_000;
const APP = process.env.KASSA_E2E_APP;

/** Opens a session: Kassa starts with a fresh data directory (see app.sh). */
export async function launch(args = []) {
  if (!APP) throw new Error("KASSA_E2E_APP is not set: run tests/e2e/run.sh");
  const driver = await new Builder()
    .usingServer(SERVER)
    .withCapabilities({ browserName: "wry", "tauri:options": { application: APP, args } })
    .build();
  return new Window(driver);
}

export const sel = (id) => By.css(`[data-testid="${id}"]`);

export class Window {
  constructor(driver) {
    this.driver = driver;
  }

  /** Saves a screenshot to tests/e2e/artifacts/ (for a failing test). */
  async screenshot(name) {
    try {
      const png = await this.driver.takeScreenshot();
      const dir = new URL("./artifacts/", import.meta.url);
      mkdirSync(dir, { recursive: true });
      writeFileSync(new URL(name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60) + ".png", dir), png, "base64");
    } catch {
      // A screenshot is a courtesy; the failure is reported anyway.
    }
  }

  async quit() {
    try {
      await this.driver.quit();
    } catch {
      // The app may already be gone (kiosk exit).
    }
  }

  /** The element with this test id, once it exists and is shown. */
  async el(id, timeout = BOUND_MS) {
    const e = await this.driver.wait(until.elementLocated(sel(id)), timeout, `waiting for ${id}`);
    await this.driver.wait(until.elementIsVisible(e), timeout, `waiting for ${id} to show`);
    return e;
  }

  async has(id) {
    return (await this.driver.findElements(sel(id))).length > 0;
  }

  async click(id, timeout) {
    const e = await this.el(id, timeout);
    await this.driver.wait(until.elementIsEnabled(e), timeout ?? BOUND_MS, `waiting for ${id} to be enabled`);
    await e.click();
    return e;
  }

  async type(id, text) {
    const e = await this.el(id);
    await e.sendKeys(text);
    return e;
  }

  async text(id, timeout) {
    return (await this.el(id, timeout)).getText();
  }

  async attr(id, name, timeout) {
    return (await this.el(id, timeout)).getAttribute(name);
  }

  /** Waits until `f()` is truthy; `what` explains a timeout. */
  async waitFor(f, what, timeout = BOUND_MS) {
    return this.driver.wait(async () => {
      try {
        return await f();
      } catch {
        return false;
      }
    }, timeout, `waiting for ${what}`);
  }

  /** Waits until the element's attribute has this value. */
  async waitAttr(id, name, value, timeout = BOUND_MS) {
    return this.waitFor(async () => (await this.attr(id, name, 2000)) === value, `${id}[${name}=${value}]`, timeout);
  }

  /** Calls a command straight through the IPC, as a compromised page could. */
  async invoke(cmd, args = {}) {
    return this.driver.executeAsyncScript(
      `const [cmd, args, done] = arguments;
       window.__TAURI_INTERNALS__.invoke(cmd, args)
         .then((v) => done({ ok: true, value: v }))
         .catch((e) => done({ ok: false, error: typeof e === "string" ? e : JSON.stringify(e) }));`,
      cmd,
      args,
    );
  }

  /** Signs in by picking the account and typing the PIN. */
  async signIn(accountName, pin) {
    await this.el("sign-in", 2 * BOUND_MS);
    const buttons = await this.driver.findElements(By.css('[data-testid^="pin-account-"]'));
    for (const b of buttons) {
      if ((await b.getText()).includes(accountName)) {
        await b.click();
        break;
      }
    }
    await this.type("pin-input", pin);
    await this.click("pin-submit");
    await this.el("main-window");
  }
}
