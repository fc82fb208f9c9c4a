import { describe, expect, it } from "vitest";
import { applyCountdown, clockText, fractionLeft, NO_COUNTDOWN, secondsLeft } from "./countdown";

const T0 = 1_000_000;

describe("countdown", () => {
  it("starts from the event's seconds and counts down in whole seconds", () => {
    const s = applyCountdown(NO_COUNTDOWN, { action: "start", seconds: 30 }, T0);
    expect(secondsLeft(s, T0)).toBe(30);
    expect(secondsLeft(s, T0 + 1)).toBe(30); // rounds up: 29.999 s left shows 30
    expect(secondsLeft(s, T0 + 1000)).toBe(29);
    expect(secondsLeft(s, T0 + 29_500)).toBe(1);
    expect(secondsLeft(s, T0 + 30_000)).toBe(0);
    expect(secondsLeft(s, T0 + 45_000)).toBe(0); // never negative
  });

  it("never shows more than it started from, even with a clock read just before the event", () => {
    const s = applyCountdown(NO_COUNTDOWN, { action: "restart", seconds: 20 }, T0);
    expect(secondsLeft(s, T0 - 150)).toBe(20);
  });

  it("keeps running through keep events and restarts on restart (signature: 20 s)", () => {
    let s = applyCountdown(NO_COUNTDOWN, { action: "start", seconds: 30 }, T0);
    s = applyCountdown(s, { action: "keep" }, T0 + 12_000);
    expect(secondsLeft(s, T0 + 12_000)).toBe(18);
    s = applyCountdown(s, { action: "restart", seconds: 20 }, T0 + 15_000);
    expect(secondsLeft(s, T0 + 15_000)).toBe(20);
    expect(s.total).toBe(20);
  });

  it("hides on stop and on phases without a countdown", () => {
    const s = applyCountdown(NO_COUNTDOWN, { action: "start", seconds: 120 }, T0);
    expect(secondsLeft(applyCountdown(s, { action: "stop" }, T0), T0)).toBeNull();
    expect(secondsLeft(applyCountdown(s, { action: "none" }, T0), T0)).toBeNull();
    expect(secondsLeft(applyCountdown(NO_COUNTDOWN, { action: "keep" }, T0), T0)).toBeNull();
  });

  it("reports the share of time left for the ring", () => {
    const s = applyCountdown(NO_COUNTDOWN, { action: "start", seconds: 20 }, T0);
    expect(fractionLeft(s, T0)).toBe(1);
    expect(fractionLeft(s, T0 + 5_000)).toBe(0.75);
    expect(fractionLeft(s, T0 + 99_000)).toBe(0);
    expect(fractionLeft(NO_COUNTDOWN, T0)).toBeNull();
  });

  it("formats minutes and seconds", () => {
    expect(clockText(120)).toBe("2:00");
    expect(clockText(95)).toBe("1:35");
    expect(clockText(7)).toBe("0:07");
  });
});
