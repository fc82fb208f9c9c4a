import { describe, expect, it } from "vitest";
import { addProduct, cartTotals, lineFigures, roundHalfAway, setQuantity, taxOn, type CartLine } from "./cart";

const VAT = { basis_points: 1000, inclusive: true };
const americano = { productId: "americano", name: "아메리카노", nameAlt: "Americano", unitPriceMinor: 4500, tax: VAT };

describe("cart figures follow kassa-core's tax rule", () => {
  it("extracts inclusive VAT per line", () => {
    // The same examples as kassa-core's order tests.
    expect(taxOn(11_000, VAT)).toBe(1_000);
    expect(taxOn(9_000, VAT)).toBe(818);
  });

  it("adds exclusive tax rounded half away from zero", () => {
    const ny = { basis_points: 888, inclusive: false };
    const line: CartLine = { ...americano, unitPriceMinor: 1250, quantity: 1, tax: ny };
    expect(lineFigures(line)).toEqual({ gross: 1250, tax: 111, total: 1361 });
    expect(taxOn(10, { basis_points: 500, inclusive: false })).toBe(1);
    expect(roundHalfAway(-5n, 10n)).toBe(-1n);
  });

  it("totals are sums of line figures", () => {
    let lines = addProduct([], americano);
    lines = addProduct(lines, americano);
    lines = addProduct(lines, { ...americano, productId: "latte", name: "카페라떼", unitPriceMinor: 5000 });
    const t = cartTotals(lines);
    expect(t.total).toBe(14_000);
    expect(t.tax).toBe(818 + 455);
    expect(t.net).toBe(14_000 - 1273);
    expect(t.count).toBe(3);
  });
});

describe("cart editing", () => {
  it("adding a product again raises its quantity", () => {
    const lines = addProduct(addProduct([], americano), americano);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.quantity).toBe(2);
  });

  it("quantity zero removes the line", () => {
    const lines = addProduct([], americano);
    expect(setQuantity(lines, "americano", 0)).toEqual([]);
    expect(setQuantity(lines, "americano", 3)[0]?.quantity).toBe(3);
  });
});
