import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { type Resolve, webhookUrlPolicy } from "./webhook_url_policy.ts";

const none: Resolve = () => Promise.resolve([]);
const to = (...addresses: string[]): Resolve => () => Promise.resolve(addresses);
const strict = webhookUrlPolicy({ allowLoopback: false, allowedNetworks: "" });

async function refusal(url: string, resolve: Resolve = none, policy = strict): Promise<string> {
  const verdict = await policy.check(url, resolve);
  if (verdict.ok) throw new Error(`${url} was allowed`);
  return verdict.reason;
}

Deno.test("webhookUrlPolicy refuses every non-public address a URL names directly", async () => {
  for (
    const [url, word] of <[string, string][]> [
      ["http://127.0.0.1:8080/x", "loopback"],
      ["http://[::1]/x", "loopback"],
      ["http://10.1.2.3/", "private"],
      ["http://172.20.0.1/", "private"],
      ["http://192.168.1.1/", "private"],
      ["http://[fd00::1]/", "private"],
      ["http://169.254.169.254/latest/meta-data", "link-local"],
      ["http://[fe80::1]/", "link-local"],
      ["http://100.64.0.1/", "carrier-grade NAT"],
      ["http://0.0.0.0/", "unspecified"],
      ["http://224.0.0.1/", "multicast"],
      ["http://[::ffff:127.0.0.1]/", "loopback"],
      ["http://[::ffff:10.0.0.1]/", "private"],
      ["http://[64:ff9b::a9fe:a9fe]/", "reserved"],
      // IPv4-compatible (deprecated, RFC 4291 §2.5.5.1): never a public receiver.
      ["http://[::127.0.0.1]/", "reserved"],
      ["http://[::a9fe:a9fe]/", "reserved"],
      ["http://198.18.0.1/", "benchmarking"],
      ["http://localhost:3000/", "loopback"],
      ["http://api.localhost/", "loopback"],
    ]
  ) {
    assertStringIncludes(await refusal(url), word, url);
  }
});

Deno.test("webhookUrlPolicy refuses a host name when any of its addresses is not public", async () => {
  assertStringIncludes(
    await refusal("https://hooks.example.com/x", to("93.184.216.34", "10.0.0.5")),
    "10.0.0.5",
  );
  assertStringIncludes(await refusal("https://hooks.example.com/x", none), "no address");
  assertStringIncludes(
    await refusal("https://nxdomain.example/x", () => Promise.reject(new Error("no such host"))),
    "cannot resolve",
  );
});

Deno.test("webhookUrlPolicy refuses other schemes and credentials in the URL", async () => {
  assertStringIncludes(await refusal("file:///etc/passwd"), "scheme");
  assertStringIncludes(await refusal("gopher://93.184.216.34/"), "scheme");
  assertStringIncludes(await refusal("https://user:pw@93.184.216.34/"), "password");
  assertStringIncludes(await refusal("not a url"), "not a URL");
});

Deno.test("webhookUrlPolicy allows public addresses, loopback only when set, and listed networks", async () => {
  const publicHost = await strict.check("https://hooks.example.com/x", to("93.184.216.34", "2606:2800::1"));
  assert(publicHost.ok);
  assertEquals(publicHost.addresses, ["93.184.216.34", "2606:2800::1"]);
  const loopback = webhookUrlPolicy({ allowLoopback: true, allowedNetworks: "" });
  assert((await loopback.check("http://127.0.0.1:9999/hook", none)).ok);
  assert((await loopback.check("http://127.0.0.2:9999/hook", none)).ok);
  assertStringIncludes(await refusal("http://10.0.0.5/", none, loopback), "private");
  const internal = webhookUrlPolicy({ allowLoopback: false, allowedNetworks: "10.20.0.0/16" });
  assert((await internal.check("http://10.20.3.4/hook", none)).ok);
  assertStringIncludes(await refusal("http://10.21.3.4/", none, internal), "private");
  assertStringIncludes(await refusal("http://127.0.0.1/", none, internal), "WEBHOOK_ALLOW_LOOPBACK");
});
