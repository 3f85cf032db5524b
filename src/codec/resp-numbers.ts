// Number texts of RESP replies: integers (":"), big numbers ("(") and doubles (",").

const INTEGER_TEXT = /^[+-]?\d+$/;
const DOUBLE_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const SPECIAL_DOUBLES: ReadonlyMap<string, number> = new Map([
  ["inf", Infinity], ["+inf", Infinity], ["-inf", -Infinity], ["nan", NaN], ["-nan", NaN],
]);

/** The integer in line[start, end) as a number when it is safe, else as a bigint (always a bigint when `big`);
 * null when the text is not an integer. */
export function parseInteger(line: Buffer, start: number, end: number, big: boolean): number | bigint | null {
  const source = line.toString("latin1", start, end);
  if (!INTEGER_TEXT.test(source)) return null;
  if (!big && source.length <= 15) return Number(source);
  const value = BigInt(source);
  if (big) return value;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** The double in line[start, end), with inf, -inf and nan; null when the text is not a double. */
export function parseDouble(line: Buffer, start: number, end: number): number | null {
  const source = line.toString("latin1", start, end);
  const special = SPECIAL_DOUBLES.get(source.toLowerCase());
  if (special !== undefined) return special;
  return DOUBLE_TEXT.test(source) ? Number(source) : null;
}
