import { describe, expect, it } from "vitest";
import { exponent, formatMinor, formatMoney, parseMajor, toMajorString } from "./money";

describe("money formatting", () => {
  it("shows KRW without decimals and USD with two", () => {
    expect(formatMinor(12500, "KRW")).toBe("₩12,500");
    expect(formatMinor(4500, "KRW")).toBe("₩4,500");
    expect(formatMinor(123450, "USD")).toBe("$1,234.50");
    expect(formatMinor(5, "USD")).toBe("$0.05");
    expect(formatMinor(0, "USD")).toBe("$0.00");
    expect(formatMoney({ minor: 1234567, currency: "KRW" })).toBe("₩1,234,567");
  });

  it("uses each currency's ISO 4217 exponent, never a fixed 100", () => {
    expect(exponent("KRW")).toBe(0);
    expect(exponent("jpy")).toBe(0);
    expect(exponent("USD")).toBe(2);
    expect(exponent("KWD")).toBe(3);
    expect(formatMinor(1234, "KWD")).toBe("1.234 KWD");
    expect(formatMinor(1000, "JPY")).toBe("¥1,000");
  });

  it("puts the sign before the symbol", () => {
    expect(formatMinor(-1000, "KRW")).toBe("-₩1,000");
    expect(formatMinor(-1250, "USD")).toBe("-$12.50");
    expect(toMajorString(-1234, "KWD")).toBe("-1.234");
  });

  it("keeps amounts exact where floats would drift", () => {
    // 0.1 + 0.2 style errors are impossible: 29 cents is "0.29".
    expect(formatMinor(29, "USD")).toBe("$0.29");
    expect(formatMinor(900719925474099, "USD")).toBe("$9,007,199,254,740.99");
  });
});

describe("money parsing", () => {
  it("reads what people type", () => {
    expect(parseMajor("4500", "KRW")).toEqual({ ok: true, minor: 4500 });
    expect(parseMajor("1,250", "KRW")).toEqual({ ok: true, minor: 1250 });
    expect(parseMajor("12.5", "USD")).toEqual({ ok: true, minor: 1250 });
    expect(parseMajor(".5", "USD")).toEqual({ ok: true, minor: 50 });
    expect(parseMajor(" 0.29 ", "USD")).toEqual({ ok: true, minor: 29 });
  });

  it("refuses more decimals than the currency has instead of rounding", () => {
    const krw = parseMajor("12.5", "KRW");
    expect(krw.ok).toBe(false);
    if (!krw.ok) expect(krw.error).toContain("no decimals");
    expect(parseMajor("1.005", "USD").ok).toBe(false);
  });

  it("takes a comma only as a thousands separator in its place, never as a decimal point", () => {
    expect(parseMajor("1,250", "USD")).toEqual({ ok: true, minor: 125000 });
    expect(parseMajor("1,234,567.89", "USD")).toEqual({ ok: true, minor: 123456789 });
    expect(parseMajor("52,000", "KRW")).toEqual({ ok: true, minor: 52000 });
    for (const bad of ["12,50", "1,25", "1,2500", ",250", "1,,250", "1250,", "12.5,0", "1 250", "12_50"]) {
      const r = parseMajor(bad, "USD");
      expect(r.ok, bad).toBe(false);
    }
    const r = parseMajor("12,50", "EUR");
    expect(!r.ok && r.error).toMatch(/comma/);
  });

  it("refuses text that is not an amount", () => {
    for (const bad of ["", "abc", "1.2.3", "1e3", "12.", "-5", "."]) {
      expect(parseMajor(bad, "USD").ok, bad).toBe(false);
    }
  });
});
