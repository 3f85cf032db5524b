import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkProtectedMode, passwordOption, secretOption } from "./credentials.js";
import { gatherOptions, SettingsError } from "./settings.js";
import { withTempDir } from "../../test/support/temp-dir.js";

const LONG = "0123456789abcdef0123456789abcdef";

test("the secret comes from a flag, a file (its final newline dropped) or the environment, and says which", () =>
  withTempDir(async (dir) => {
    const file = join(dir, "secret");
    writeFileSync(file, `${LONG}\n`, { mode: 0o600 });
    assert.deepEqual(secretOption(gatherOptions({ secret: LONG }, {}), { secret: LONG }), { value: LONG, source: "the command line" });
    assert.deepEqual(secretOption(gatherOptions({ secretFile: file }, {}), { secretFile: file }), { value: LONG, source: file });
    assert.deepEqual(secretOption(gatherOptions({}, { RINGKV_SECRET: LONG }), {}), { value: LONG, source: "the environment" });
    assert.deepEqual(secretOption(gatherOptions({}, { RINGKV_SECRET_FILE: file }), {}), { value: LONG, source: file });
    assert.equal(secretOption(gatherOptions({}, {}), {}), undefined);
  }));

test("a secret shorter than 16 bytes is refused with a clear message", () => {
  assert.throws(() => secretOption(gatherOptions({}, { RINGKV_SECRET: "s3cret" }), {}), (error: unknown) =>
    error instanceof SettingsError
    && error.message === "the cluster secret (from the environment) is 6 bytes; it must have at least 16 (make one with: openssl rand -hex 32)");
  assert.equal(secretOption(gatherOptions({}, { RINGKV_SECRET: "x".repeat(16) }), {})?.value.length, 16);
});

test("a credential given twice, an empty or unreadable or multi-line file is refused", () =>
  withTempDir(async (dir) => {
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ password: "pw", passwordFile: file("pw", "pw\n") }, /give the password once: --password \(or RINGKV_PASSWORD\) or --password-file, not both/],
      [{ passwordFile: file("empty", "\n") }, /--password-file .*empty is empty/],
      [{ passwordFile: file("two", "a\nb\n") }, /has more than one line/],
      [{ passwordFile: join(dir, "missing") }, /cannot read --password-file .*missing: ENOENT/],
      [{ passwordFile: file("big", "x".repeat(5000)) }, /5000 bytes, more than the 4096 a password file may have/],
    ];
    for (const [flags, expected] of cases) assert.throws(() => passwordOption(gatherOptions(flags, {}), flags), expected);
    assert.deepEqual(passwordOption(gatherOptions({ passwordFile: file("crlf", "p w\r\n") }, {}), {}), { value: "p w", source: join(dir, "crlf") });
  }));

test("protected mode: beyond loopback without a password is refused unless --protected-mode no", () => {
  const password = { value: "pw", source: "the environment" };
  for (const host of ["127.0.0.1", "127.0.0.2", "localhost", "::1"]) assert.doesNotThrow(() => checkProtectedMode({}, host, undefined), host);
  for (const host of ["0.0.0.0", "::", "10.1.2.3", "example.org"]) {
    assert.throws(() => checkProtectedMode({}, host, undefined), new RegExp(`refusing to listen on ${host.replace(/\./g, "\\.")} without a password`));
    assert.doesNotThrow(() => checkProtectedMode({}, host, password));
    assert.doesNotThrow(() => checkProtectedMode({ protectedMode: "no" }, host, undefined));
  }
  assert.throws(() => checkProtectedMode({ protectedMode: "off" }, "0.0.0.0", undefined), /--protected-mode must be yes or no, got "off"/);
});
