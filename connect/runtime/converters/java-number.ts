// How Java prints floating-point numbers (Double.toString / Float.toString), which is what
// Kafka's JsonConverter (through Jackson) writes: at least one fractional digit ("1.0"), and
// scientific notation ("1.0E7", "1.5E-5") outside [10^-3, 10^7). Byte-compatible output needs it.

/** Double.toString(x), with the shortest digits that read back as x (JDK 19+). */
export function formatJavaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const plain = String(x);
    // String() is plain notation in this range; add the fractional digit Java always prints.
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  // toExponential() without an argument gives the shortest digits: "1.5e-5", "1e+21".
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  const digits = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${digits}E${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}

/** Float.toString(x): the shortest decimal that reads back as the same 32-bit float. */
export function formatJavaFloat(x: number): string {
  const f = Math.fround(x);
  if (!Number.isFinite(f) || f === 0) return formatJavaDouble(f);
  for (let precision = 1; precision <= 9; precision++) {
    const candidate = Number(f.toPrecision(precision));
    if (Math.fround(candidate) === f) return formatJavaDouble(candidate);
  }
  return formatJavaDouble(f);
}
