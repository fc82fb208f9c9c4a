// Money on screen: integer minor units in, text out, with ISO 4217 exponents (KRW 0, USD 2,
// KWD 3). No float ever touches an amount: formatting and parsing work on digit strings, the
// same rules as kassa-core's `Money` (`to_major_string`, `parse_major`).

import type { Money } from "./bindings";

/** Minor-unit exponents that differ from 2, as in kassa-core's currency table. */
const EXPONENTS: Readonly<Record<string, number>> = {
  KRW: 0,
  JPY: 0,
  VND: 0,
  CLP: 0,
  ISK: 0,
  KWD: 3,
  BHD: 3,
  OMR: 3,
  JOD: 3,
  TND: 3,
};

/** Symbols shown before an amount; other currencies show their code after it. */
const SYMBOLS: Readonly<Record<string, string>> = {
  KRW: "₩",
  USD: "$",
  EUR: "€",
  GBP: "£",
  JPY: "¥",
};

/** Number of decimals of `currency`'s minor unit. */
export function exponent(currency: string): number {
  return EXPONENTS[currency.toUpperCase()] ?? 2;
}

function group(digits: string): string {
  let out = "";
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ",";
    out += digits[i];
  }
  return out;
}

/** `minor` as major units without grouping or symbol: `12500`, `12.50`, `-1.234`. */
export function toMajorString(minor: number, currency: string): string {
  const exp = exponent(currency);
  const neg = minor < 0;
  const digits = String(Math.abs(Math.trunc(minor))).padStart(exp + 1, "0");
  const int = digits.slice(0, digits.length - exp);
  const frac = digits.slice(digits.length - exp);
  return (neg ? "-" : "") + (exp > 0 ? `${int}.${frac}` : int);
}

/**
 * An amount as a cashier reads it: `₩12,500`, `$1,234.50`, `-₩1,000`, `1.234 KWD`.
 * KRW has no decimals; every currency shows exactly its exponent's decimals.
 */
export function formatMinor(minor: number, currency: string): string {
  const code = currency.toUpperCase();
  const plain = toMajorString(minor, code);
  const neg = plain.startsWith("-");
  const body = neg ? plain.slice(1) : plain;
  const [int = "0", frac] = body.split(".");
  const number = group(int) + (frac !== undefined ? `.${frac}` : "");
  const symbol = SYMBOLS[code];
  const sign = neg ? "-" : "";
  return symbol !== undefined ? `${sign}${symbol}${number}` : `${sign}${number} ${code}`;
}

/** A `Money` value as a cashier reads it. */
export function formatMoney(m: Money): string {
  return formatMinor(m.minor, m.currency);
}

/** Why typed text is not an amount. */
export type ParseResult = { ok: true; minor: number } | { ok: false; error: string };

/** Whole part with commas between groups of three (`1,250`, `1,234,567`), nowhere else. */
const GROUPED = /^\d{1,3}(,\d{3})+$/;

/**
 * Reads an amount typed in major units (`4500`, `12.50`, `1,250`). More decimals than the
 * currency has are refused, never rounded. A comma is taken only as a thousands separator in
 * its right place: `12,50` (a decimal comma in many countries) is refused with a message
 * rather than read as 1,250.
 */
export function parseMajor(text: string, currency: string): ParseResult {
  const exp = exponent(currency);
  const example = exp ? "12.50" : "4500";
  const typed = text.trim();
  const [whole = "", ...rest] = typed.split(".");
  if (whole.includes(",") && !GROUPED.test(whole)) {
    return {
      ok: false,
      error: `“${text}” is not an amount: a comma only separates thousands (1,250); decimals follow a point, e.g. ${example}`,
    };
  }
  const cleaned = [whole.replace(/,/g, ""), ...rest].join(".");
  if (!/^\d*(\.\d*)?$/.test(cleaned) || cleaned === "" || cleaned === "." || cleaned.endsWith(".")) {
    return { ok: false, error: `“${text}” is not an amount: type digits, e.g. ${example}` };
  }
  const [int = "", frac = ""] = cleaned.split(".");
  if (frac.length > exp) {
    return {
      ok: false,
      error: exp === 0 ? `${currency} has no decimals: type a whole amount` : `${currency} has only ${exp} decimals`,
    };
  }
  const all = (int === "" ? "0" : int) + frac.padEnd(exp, "0");
  const minor = Number(all);
  if (!Number.isSafeInteger(minor)) return { ok: false, error: "that amount is too large" };
  return { ok: true, minor };
}
