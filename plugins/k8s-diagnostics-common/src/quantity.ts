/**
 * Kubernetes resource quantities (`500Mi`, `1G`, `100m`, `1e9`): parsing and the canonical
 * string form Go's `resource.Quantity.String()` prints.
 */

export type QuantityFormat = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

export interface Quantity {
  value: number;
  format: QuantityFormat;
}

const BINARY: Record<string, number> = {
  Ki: 1,
  Mi: 2,
  Gi: 3,
  Ti: 4,
  Pi: 5,
  Ei: 6,
};
const DECIMAL: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const QUANTITY_RE =
  /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|(n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

/** Parses a quantity; undefined when it is not one. */
export function parseQuantity(
  input: string | number | undefined | null,
): Quantity | undefined {
  if (input === undefined || input === null) return undefined;
  if (typeof input === 'number') return { value: input, format: 'DecimalSI' };
  const m = QUANTITY_RE.exec(input.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return { value: base * 1024 ** BINARY[m[2]], format: 'BinarySI' };
  if (m[3]) return { value: base * 10 ** DECIMAL[m[3]], format: 'DecimalSI' };
  if (m[4] !== undefined) {
    return { value: base * 10 ** Number(m[4]), format: 'DecimalExponent' };
  }
  return { value: base, format: 'DecimalSI' };
}

function isWhole(x: number): boolean {
  return (
    Math.round(x) !== 0 && Math.abs(x - Math.round(x)) <= 1e-9 * Math.abs(x)
  );
}

function decimalString(value: number, exponentStyle: boolean): string {
  if (value === 0) return '0';
  for (let e = 18; e >= -9; e -= 3) {
    const mantissa = value / 10 ** e;
    if (isWhole(mantissa)) {
      const n = Math.round(mantissa);
      if (exponentStyle) return e === 0 ? `${n}` : `${n}e${e}`;
      const suffix = Object.keys(DECIMAL).find(k => DECIMAL[k] === e) ?? '';
      return `${n}${suffix}`;
    }
  }
  return `${Math.ceil(value * 1e9)}n`;
}

/** The canonical form Go prints for a quantity (`%s` of a resource.Quantity). */
export function formatQuantity(q: Quantity): string {
  if (
    q.format === 'BinarySI' &&
    Math.abs(q.value) >= 1024 &&
    isWhole(q.value)
  ) {
    let exp = 0;
    let n = Math.round(q.value);
    while (exp < 6 && n % 1024 === 0 && n !== 0) {
      n /= 1024;
      exp++;
    }
    return `${n}${BINARY_SUFFIX[exp]}`;
  }
  return decimalString(q.value, q.format === 'DecimalExponent');
}

/** One gibibyte, k8sgpt's "small capacity" threshold. */
export const ONE_GI = 1024 ** 3;
