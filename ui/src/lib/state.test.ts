import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AppStatus } from "./bindings";

// The shell is replaced by a hand-driven `app_status`: each call waits until the test answers
// it, so the test decides the order in which answers arrive.
const calls: { resolve: (s: AppStatus) => void; reject: (e: unknown) => void }[] = [];
vi.mock("./api", () => ({
  api: {
    appStatus: () => new Promise<AppStatus>((resolve, reject) => calls.push({ resolve, reject })),
  },
}));

const status = (recovering: boolean, version = "v"): AppStatus => ({
  version,
  demo: true,
  recovering,
  store: {
    name: "Store",
    address: "",
    phone: "",
    business_number: "",
    receipt_footer: "",
    currency: "KRW",
    tax_rates: [],
    store_code: "KS",
    till_code: "1",
    time_zone: "UTC",
  },
  terminals: [],
  attention: [],
});

/** Lets every settled promise run its continuation. */
const settle = () => vi.advanceTimersByTimeAsync(0);

async function freshState() {
  vi.resetModules();
  return import("./state.svelte");
}

describe("the window's status", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    calls.length = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("keeps the newest answer: a late answer to an older request is dropped", async () => {
    const { app, refreshStatus } = await freshState();
    const first = refreshStatus();
    const second = refreshStatus();
    const third = refreshStatus();
    expect(calls).toHaveLength(3);
    // The start-up recovery ended between the first request and the later two.
    calls[1]?.resolve(status(false, "second"));
    calls[2]?.resolve(status(false, "third"));
    await Promise.all([second, third]);
    expect(app.status?.version).toBe("third");
    calls[0]?.resolve(status(true, "first"));
    await first;
    expect(app.status?.version).toBe("third");
    expect(app.status?.recovering).toBe(false);
  });

  it("an answer that arrives before a newer one is shown, then replaced", async () => {
    const { app, refreshStatus } = await freshState();
    const first = refreshStatus();
    const second = refreshStatus();
    calls[0]?.resolve(status(true, "first"));
    await first;
    expect(app.status?.version).toBe("first");
    calls[1]?.resolve(status(false, "second"));
    await second;
    expect(app.status?.version).toBe("second");
  });

  it("a late failure of an older request does not hide a newer answer", async () => {
    const { app, refreshStatus } = await freshState();
    const first = refreshStatus();
    const second = refreshStatus();
    calls[1]?.resolve(status(false, "second"));
    await second;
    calls[0]?.reject({ code: "error", message: "the service is busy" });
    await first;
    expect(app.status?.version).toBe("second");
    expect(app.bootError).toBeNull();
  });

  it("asks again every second while start-up recovery runs, and stops once it is done", async () => {
    const { app, refreshStatus } = await freshState();
    const done = refreshStatus();
    calls[0]?.resolve(status(true));
    await done;
    expect(calls).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    calls[1]?.resolve(status(true));
    await settle();

    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(3);
    // A failed question while recovering keeps the cadence.
    calls[2]?.reject({ code: "error", message: "timeout" });
    await settle();
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(4);

    calls[3]?.resolve(status(false));
    await settle();
    expect(app.status?.recovering).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(4);
  });

  it("other questions while recovering do not multiply the re-asking", async () => {
    const { refreshStatus } = await freshState();
    const all = [refreshStatus(), refreshStatus(), refreshStatus()];
    for (const c of calls) c.resolve(status(true));
    await Promise.all(all);
    expect(calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(1000);
    // The fourth question is not answered yet: no new one piles up behind it.
    expect(calls).toHaveLength(4);
  });
});
