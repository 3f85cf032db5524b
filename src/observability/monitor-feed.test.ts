import { test } from "node:test";
import assert from "node:assert/strict";
import type { ReplyValue } from "../server/backend.js";
import { MonitorFeed, monitorLine, quoted } from "./monitor-feed.js";

test("arguments are quoted as Redis's sdscatrepr quotes them", () => {
  assert.equal(quoted(Buffer.from('a "b"\\')), '"a \\"b\\"\\\\"');
  assert.equal(quoted(Buffer.from("\n\r\t\x07\x08")), '"\\n\\r\\t\\a\\b"');
  assert.equal(quoted(Buffer.from([0x00, 0x7f, 0xff, 0x41])), '"\\x00\\x7f\\xffA"');
});

test("a line: unix seconds with microseconds, db 0 and the client's address, then the arguments; AUTH redacted", () => {
  const line = monitorLine([Buffer.from("auth"), Buffer.from("secret")], "127.0.0.1:5000", 1_700_000_000_123.457);
  assert.equal(line, '1700000000.123457 [0 127.0.0.1:5000] "auth" "(redacted)"');
  const hello = monitorLine(["HELLO", "3", "AUTH", "default", "pw", "SETNAME", "n"].map((arg) => Buffer.from(arg)), "a:1", 0);
  assert.equal(hello, '0.000000 [0 a:1] "HELLO" "3" "AUTH" "(redacted)" "(redacted)" "SETNAME" "n"');
});

test("a monitoring client that does not read is disconnected; a closed one is forgotten", () => {
  const feed = new MonitorFeed(100);
  const got: ReplyValue[] = [];
  let unread = 0;
  let disconnected = "";
  const slow = { push: (reply: ReplyValue) => (got.push(reply), (unread += 60), true), outputBytes: () => unread, disconnect: (why: string) => (disconnected = why) };
  let open = true;
  const closing = { push: () => open, outputBytes: () => 0, disconnect: () => assert.fail("not over the bound") };
  feed.add(slow);
  feed.add(closing);
  feed.feed([Buffer.from("get")], "a:1", 0);
  feed.feed([Buffer.from("get")], "a:1", 0);
  assert.equal(feed.size, 2);
  open = false;
  feed.feed([Buffer.from("get")], "a:1", 0);
  assert.equal(got.length, 2, "the third line was not queued for the client over its bound");
  assert.match(disconnected, /more than 100 bytes unread/);
  assert.equal(feed.size, 0);
});
