// The payment dialog's countdown. Events say what to do (start, restart, keep, stop, none:
// kassa-core's `Countdown`); this module turns them into a deadline and the whole seconds left
// at any moment. Time is passed in (milliseconds), so tests need no real clock.

import type { Countdown } from "./bindings";

/** A running countdown, or none. */
export interface CountdownState {
  /** When it reaches zero (ms since the epoch), or `null` when hidden. */
  deadline: number | null;
  /** The seconds it started from, for the progress ring. */
  total: number | null;
}

export const NO_COUNTDOWN: CountdownState = { deadline: null, total: null };

/** The countdown after an event's `Countdown` instruction arrives at `now`. */
export function applyCountdown(state: CountdownState, cd: Countdown, now: number): CountdownState {
  switch (cd.action) {
    case "start":
    case "restart":
      return { deadline: now + cd.seconds * 1000, total: cd.seconds };
    case "keep":
      return state;
    case "stop":
    case "none":
      return NO_COUNTDOWN;
  }
}

/**
 * Whole seconds left (rounded up, never below 0 nor above what it started from), or `null`
 * when no countdown runs. A `now` read a moment before the event arrived still shows the
 * event's seconds, not one more.
 */
export function secondsLeft(state: CountdownState, now: number): number | null {
  if (state.deadline === null) return null;
  const left = Math.max(0, Math.ceil((state.deadline - now) / 1000));
  return state.total === null ? left : Math.min(state.total, left);
}

/** Share of the time left, 1 → 0, for a progress ring; `null` when hidden. */
export function fractionLeft(state: CountdownState, now: number): number | null {
  if (state.deadline === null || state.total === null || state.total <= 0) return null;
  const left = (state.deadline - now) / (state.total * 1000);
  return Math.min(1, Math.max(0, left));
}

/** `m:ss` for a number of seconds. */
export function clockText(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${m}:${String(s).padStart(2, "0")}`;
}
