import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startHttp, type RunningHttp } from "./http-server.js";

let http: RunningHttp;
const errors: unknown[] = [];

before(async () => {
  http = await startHttp({
    host: "127.0.0.1",
    port: 0,
    password: "s3cret",
    routes: new Map([
      ["/hello", (_request, response) => void response.end("hi")],
      ["/broken", () => { throw new Error("bug"); }],
    ]),
    onError: (error) => errors.push(error),
  });
});

after(async () => {
  await http.close();
});

const url = (path: string) => `http://127.0.0.1:${http.address().port}${path}`;
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });

test("with a password, every path needs it (any user name); a wrong one is refused", async () => {
  const refused = await fetch(url("/hello"));
  assert.equal(refused.status, 401);
  assert.match(refused.headers.get("www-authenticate") ?? "", /^Basic realm="ringkv"/);
  assert.equal((await fetch(url("/hello"), { headers: basic("default", "wrong") })).status, 401);
  const answered = await fetch(url("/hello"), { headers: basic("anyone", "s3cret") });
  assert.equal(answered.status, 200);
  assert.equal(await answered.text(), "hi");
  assert.match(answered.headers.get("content-security-policy") ?? "", /default-src 'self'/, "the page may fetch nothing from elsewhere");
});

test("unknown paths, other methods and a failing page get clear answers", async () => {
  const headers = basic("default", "s3cret");
  assert.equal((await fetch(url("/nothing"), { headers })).status, 404);
  assert.equal((await fetch(url("/hello"), { method: "POST", headers })).status, 405);
  const broken = await fetch(url("/broken"), { headers });
  assert.equal(broken.status, 500);
  assert.equal(errors.length, 1);
});
