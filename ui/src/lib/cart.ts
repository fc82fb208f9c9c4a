// The cart: lines of catalog products with quantities, and their totals by the same tax rule
// as kassa-core's `order` module (per line, half away from zero, inclusive rates extracted,
// exclusive ones added), so the screen and the ledger always agree to the won or cent.

export interface TaxRule {
  /** Basis points: 1000 = 10 %. */
  basis_points: number;
  /** True when the price already contains the tax. */
  inclusive: boolean;
}

export interface CartLine {
  productId: string;
  name: string;
  /** Second-language name shown under the first (English for a Korean catalog). */
  nameAlt: string | null;
  unitPriceMinor: number;
  quantity: number;
  tax: TaxRule;
}

export interface LineFigures {
  gross: number;
  tax: number;
  total: number;
}

export interface CartTotals {
  /** What the customer pays. */
  total: number;
  /** Tax contained in or added to it. */
  tax: number;
  /** Total without tax. */
  net: number;
  /** Number of items (sum of quantities). */
  count: number;
}

/** num / den rounded half away from zero, exact for any integer size. */
export function roundHalfAway(num: bigint, den: bigint): bigint {
  if (den === 0n) return 0n;
  const q = num / den;
  const r = num % den;
  const abs = (x: bigint) => (x < 0n ? -x : x);
  if (abs(r) * 2n >= abs(den)) {
    const sign = (num < 0n ? -1n : 1n) * (den < 0n ? -1n : 1n);
    return q + sign;
  }
  return q;
}

/** Tax part of a gross line amount. */
export function taxOn(grossMinor: number, t: TaxRule): number {
  const g = BigInt(grossMinor);
  const bp = BigInt(t.basis_points);
  const den = t.inclusive ? 10_000n + bp : 10_000n;
  return Number(roundHalfAway(g * bp, den));
}

export function lineFigures(l: CartLine): LineFigures {
  const gross = l.unitPriceMinor * l.quantity;
  const tax = taxOn(gross, l.tax);
  return { gross, tax, total: l.tax.inclusive ? gross : gross + tax };
}

export function cartTotals(lines: readonly CartLine[]): CartTotals {
  let total = 0;
  let tax = 0;
  let count = 0;
  for (const l of lines) {
    const f = lineFigures(l);
    total += f.total;
    tax += f.tax;
    count += l.quantity;
  }
  return { total, tax, net: total - tax, count };
}

/** Adds one of a product, or one more to its existing line (which moves to the bottom). */
export function addProduct(lines: readonly CartLine[], p: Omit<CartLine, "quantity">): CartLine[] {
  const existing = lines.find((l) => l.productId === p.productId);
  if (existing === undefined) return [...lines, { ...p, quantity: 1 }];
  return [...lines.filter((l) => l !== existing), { ...existing, quantity: existing.quantity + 1 }];
}

/** Sets a line's quantity; 0 or less removes it. */
export function setQuantity(lines: readonly CartLine[], productId: string, quantity: number): CartLine[] {
  if (quantity <= 0) return lines.filter((l) => l.productId !== productId);
  return lines.map((l) => (l.productId === productId ? { ...l, quantity: Math.min(quantity, 999) } : l));
}

export function removeLine(lines: readonly CartLine[], productId: string): CartLine[] {
  return lines.filter((l) => l.productId !== productId);
}
