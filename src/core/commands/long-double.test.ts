// Expected texts from redis-server 7.0.15 on x86-64 (INCRBYFLOAT of the first by the second).
import { test } from "node:test";
import assert from "node:assert/strict";
import { addLongDouble, formatLongDouble, parseLongDouble } from "./long-double.js";

const bytes = (text: string) => new TextEncoder().encode(text);

test("sums print as redis-server prints them", () => {
  const cases: Array<[string, string, string]> = [
    ["10.5", "0.1", "10.6"], ["3e2", "0.1", "300.10000000000000001"], ["0x10", "0.1", "16.1"], ["0x1p-2", "0.1", "0.35"],
    ["1e-400", "0.1", "0.1"], ["0.1", "0.1", "0.2"], ["1", "0x1p-2", "1.25"], ["5.0e3", "1", "5001"], ["1", "-1", "0"],
    ["-0.1", "0", "-0.1"], ["1e-20", "-2e-20", "0"], ["9223372036854775807", "1", "9223372036854775808"],
    ["1e400", "0.1", "10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880"],
  ];
  for (const [value, increment, expected] of cases) {
    const a = parseLongDouble(bytes(value));
    const b = parseLongDouble(bytes(increment));
    assert.ok(a && b, `${value} + ${increment}`);
    assert.equal(formatLongDouble(addLongDouble(a, b)), expected, `${value} + ${increment}`);
  }
});

test("what strtold reads and Redis accepts, and what it refuses", () => {
  for (const valid of ["1", "-1.5", "+2", ".5", "5.", "1e10", "1E-3", "0x1P3", "0X.8", "inf", "-Infinity", "1e-4950"]) {
    assert.notEqual(parseLongDouble(bytes(valid)), null, valid);
  }
  for (const invalid of ["", " 1", "1 ", "abc", "nan", "-nan", "1e", "e5", ".", "0x", "1e5000", "-1e5000", "1e-5000", "1\u0000", "infin", "1,5"]) {
    assert.equal(parseLongDouble(bytes(invalid)), null, JSON.stringify(invalid));
  }
  assert.equal(parseLongDouble(new Uint8Array(5 * 1024).fill(0x31)), null, "longer than Redis reads");
});

test("infinities are values, sums with them are infinite", () => {
  const inf = parseLongDouble(bytes("inf"));
  const one = parseLongDouble(bytes("1"));
  assert.ok(inf && one);
  assert.equal(addLongDouble(one, inf).kind, "infinity");
  assert.equal(formatLongDouble(inf), "inf");
  const huge = parseLongDouble(bytes("1.18e4932"));
  assert.ok(huge);
  assert.equal(addLongDouble(huge, huge).kind, "infinity", "overflow rounds to infinity");
});
