// INCRBYFLOAT and HINCRBYFLOAT as redis-server computes them on x86-64: the stored text is read
// with strtold into an 80-bit long double (64-bit significand), the increment is added in that
// precision, and the sum is printed with "%.17Lf" and its trailing zeros cut. A double would
// print 10.5 + 0.1 as 10.59999999999999964 where Redis prints 10.6, so the arithmetic is
// emulated exactly with bigints: every finite long double is m * 2^e with m < 2^64.

/** A finite long double: (-1)^negative * m * 2^e, or an infinity. */
export type LongDouble =
  | { kind: "finite"; negative: boolean; m: bigint; e: number }
  | { kind: "infinity"; negative: boolean };

const SIGNIFICAND_BITS = 64;
const SIGNIFICAND_LIMIT = 1n << 64n;
/** Smallest exponent of the least significant bit: subnormals end at 2^-16445. */
const EXPONENT_MIN = -16445;
/** Largest finite value: (2^64 - 1) * 2^16320. */
const EXPONENT_MAX = 16320;
/** Redis refuses longer input (MAX_LONG_DOUBLE_CHARS). */
const TEXT_BYTES_MAX = 5 * 1024 - 1;
/** Decimal exponents past these are infinities or zeros whatever the digits (input <= 5 KiB). */
const DECIMAL_EXPONENT_BOUND = 4951 + TEXT_BYTES_MAX;
const FRACTION_DIGITS = 17;
const FRACTION_SCALE = 10n ** BigInt(FRACTION_DIGITS);

const ZERO: LongDouble = { kind: "finite", negative: false, m: 0n, e: 0 };

export function isFiniteLongDouble(value: LongDouble): boolean {
  return value.kind === "finite";
}

/**
 * The long double Redis reads from the bytes (string2ld: strtold over the whole text, no
 * leading space, no NaN, no overflow, no underflow to zero); null where Redis says
 * "value is not a valid float". Infinity itself ("inf") is accepted, as strtold does.
 */
export function parseLongDouble(bytes: Uint8Array): LongDouble | null {
  if (bytes.length === 0 || bytes.length > TEXT_BYTES_MAX) return null;
  // Redis requires strtold to consume every byte, so a NUL byte inside makes the text invalid.
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  if (/^\s/.test(text)) return null;
  const signMatch = /^[+-]/.exec(text);
  const negative = signMatch?.[0] === "-";
  const body = signMatch ? text.slice(1) : text;
  if (/^inf(inity)?$/i.test(body)) return { kind: "infinity", negative };
  const parsed = parseHex(body) ?? parseDecimal(body);
  if (parsed === null || parsed === "nan") return null;
  if (parsed.kind === "infinity") return null; // overflow (ERANGE, HUGE_VAL)
  if (parsed.m === 0n && parsed.underflow) return null; // underflow to zero (ERANGE)
  return { kind: "finite", negative, m: parsed.m, e: parsed.e };
}

interface ParsedMagnitude {
  kind: "finite";
  m: bigint;
  e: number;
  /** Non-zero digits that rounded to zero. */
  underflow: boolean;
}

type Magnitude = ParsedMagnitude | { kind: "infinity" };

function parseDecimal(body: string): Magnitude | "nan" | null {
  if (/^nan(\([0-9A-Za-z_]*\))?$/i.test(body)) return "nan";
  const match = /^([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/.exec(body);
  if (match === null) return null;
  const whole = match[1] ?? "";
  const fraction = match[2] ?? "";
  if (whole.length + fraction.length === 0) return null;
  const digits = BigInt(whole + fraction || "0");
  if (digits === 0n) return { kind: "finite", m: 0n, e: 0, underflow: false };
  let exponent = match[3] === undefined ? 0 : clampExponent(match[3]);
  exponent -= fraction.length;
  if (exponent > DECIMAL_EXPONENT_BOUND) return { kind: "infinity" };
  if (exponent < -DECIMAL_EXPONENT_BOUND) return { kind: "finite", m: 0n, e: 0, underflow: true };
  return exponent >= 0 ? round(digits * 10n ** BigInt(exponent), 1n, 0) : round(digits, 10n ** BigInt(-exponent), 0);
}

function parseHex(body: string): Magnitude | null {
  const match = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?[0-9]+))?$/.exec(body);
  if (match === null) return null;
  const whole = match[1] ?? "";
  const fraction = match[2] ?? "";
  if (whole.length + fraction.length === 0) return null;
  const digits = BigInt(`0x${whole + fraction || "0"}`);
  if (digits === 0n) return { kind: "finite", m: 0n, e: 0, underflow: false };
  const exponent = (match[3] === undefined ? 0 : clampExponent(match[3])) - 4 * fraction.length;
  if (exponent > 4 * DECIMAL_EXPONENT_BOUND) return { kind: "infinity" };
  if (exponent < -4 * DECIMAL_EXPONENT_BOUND) return { kind: "finite", m: 0n, e: 0, underflow: true };
  return round(digits, 1n, exponent);
}

/** An exponent's digits as a number, saturated far beyond any meaningful exponent. */
function clampExponent(text: string): number {
  const value = Number(text);
  return Math.max(-1e9, Math.min(1e9, value));
}

/**
 * (p / q) * 2^shift rounded to the nearest long double, ties to even (p, q > 0): the
 * significand gets 64 bits, fewer in the subnormal range; past the largest, an infinity.
 */
function round(p: bigint, q: bigint, shift: number): Magnitude {
  let e = bitLength(p) - bitLength(q) - SIGNIFICAND_BITS + shift;
  for (;;) {
    e = Math.max(e, EXPONENT_MIN);
    const [num, den] = scaled(p, q, e - shift);
    let m = num / den;
    if (m >= SIGNIFICAND_LIMIT) {
      e++;
      continue;
    }
    if (m < SIGNIFICAND_LIMIT >> 1n && e > EXPONENT_MIN) {
      e--;
      continue;
    }
    const twiceRemainder = 2n * (num % den);
    if (twiceRemainder > den || (twiceRemainder === den && (m & 1n) === 1n)) m++;
    if (m === SIGNIFICAND_LIMIT) {
      m >>= 1n;
      e++;
    }
    if (e > EXPONENT_MAX) return { kind: "infinity" };
    return { kind: "finite", m, e, underflow: m === 0n };
  }
}

/** p/q divided by 2^e, as a numerator and denominator of bigints. */
function scaled(p: bigint, q: bigint, e: number): [bigint, bigint] {
  return e >= 0 ? [p, q << BigInt(e)] : [p << BigInt(-e), q];
}

function bitLength(value: bigint): number {
  return value.toString(2).length;
}

/**
 * a + b in long double precision (round to nearest, ties to even), as the FPU adds. Redis
 * refuses NaN and infinite sums alike, so inf + -inf (NaN) comes back as an infinity too.
 */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.kind === "infinity") return a;
  if (b.kind === "infinity") return b;
  const e = Math.min(a.e, b.e);
  const sum = signed(a) * (1n << BigInt(a.e - e)) + signed(b) * (1n << BigInt(b.e - e));
  if (sum === 0n) return ZERO;
  const rounded = round(sum < 0n ? -sum : sum, 1n, e);
  if (rounded.kind === "infinity") return { kind: "infinity", negative: sum < 0n };
  return { kind: "finite", negative: sum < 0n, m: rounded.m, e: rounded.e };
}

function signed(value: Extract<LongDouble, { kind: "finite" }>): bigint {
  return value.negative ? -value.m : value.m;
}

/**
 * The text Redis stores and replies for a long double (ld2string, LD_STR_HUMAN): "%.17Lf",
 * trailing zeros and a trailing '.' removed, "-0" written "0".
 */
export function formatLongDouble(value: LongDouble): string {
  if (value.kind === "infinity") return value.negative ? "-inf" : "inf";
  const numerator = value.m * FRACTION_SCALE;
  let units: bigint;
  if (value.e >= 0) {
    units = numerator << BigInt(value.e);
  } else {
    const den = 1n << BigInt(-value.e);
    units = numerator / den;
    const twiceRemainder = 2n * (numerator % den);
    if (twiceRemainder > den || (twiceRemainder === den && (units & 1n) === 1n)) units++;
  }
  const whole = (units / FRACTION_SCALE).toString();
  const fraction = (units % FRACTION_SCALE).toString().padStart(FRACTION_DIGITS, "0").replace(/0+$/, "");
  const text = `${value.negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
  return text === "-0" ? "0" : text;
}

/** An int64 as a long double (exact: 64 bits fit the significand). */
export function longDoubleFromInteger(value: bigint): LongDouble {
  if (value === 0n) return ZERO;
  const negative = value < 0n;
  return { kind: "finite", negative, m: negative ? -value : value, e: 0 };
}
