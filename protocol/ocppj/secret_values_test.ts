import { assertEquals, assertStrictEquals } from "@std/assert";
import { isSecretName, REDACTED, redactFrameText, redactSecrets } from "./secret_values.ts";

Deno.test("isSecretName() knows AuthorizationKey and names that say key, password or secret", () => {
  for (const name of ["AuthorizationKey", "WifiPassword", "mqtt_secret", "APIKEY", "apiKey", "SecretToken"]) {
    assertEquals(isSecretName(name), true, name);
  }
  for (const name of ["GetConfigurationMaxKeys", "HeartbeatInterval", "MeterValuesSampledData", "idTag"]) {
    assertEquals(isSecretName(name), false, name);
  }
});

Deno.test("redactSecrets() hides the value of a secret configuration key and secret-named fields, nothing else", () => {
  assertEquals(redactSecrets({ key: "AuthorizationKey", value: "0123456789abcdef" }), {
    key: "AuthorizationKey",
    value: REDACTED,
  });
  const conf = {
    configurationKey: [
      { key: "HeartbeatInterval", readonly: false, value: "300" },
      { key: "AuthorizationKey", readonly: false, value: "0123456789abcdef" },
    ],
    unknownKey: ["WifiPassword"],
  };
  const out = redactSecrets(conf);
  assertEquals(out.configurationKey[0]?.value, "300");
  assertEquals(out.configurationKey[1]?.value, REDACTED);
  assertEquals(out.unknownKey, ["WifiPassword"]);
  assertEquals(conf.configurationKey[1]?.value, "0123456789abcdef", "the input is not changed");
  assertEquals(redactSecrets({ vendorId: "Acme", data: { password: "hunter2", n: 1 } }), {
    vendorId: "Acme",
    data: { password: REDACTED, n: 1 },
  });
  const plain = { key: "HeartbeatInterval", value: "300" };
  assertStrictEquals(redactSecrets(plain), plain);
});

Deno.test("redactFrameText() redacts CALLs and CALLRESULTs and leaves frames without secrets as they are", () => {
  const call = '[2,"m1","ChangeConfiguration",{"key":"AuthorizationKey","value":"0123456789abcdef"}]';
  assertEquals(
    redactFrameText(call),
    `[2,"m1","ChangeConfiguration",{"key":"AuthorizationKey","value":"${REDACTED}"}]`,
  );
  const result =
    '[3,"m2",{"configurationKey":[{"key":"AuthorizationKey","readonly":false,"value":"s3cr3t"}]}]';
  assertEquals(redactFrameText(result).includes("s3cr3t"), false);
  const heartbeat = '[2,"m3","Heartbeat",{}]';
  assertStrictEquals(redactFrameText(heartbeat), heartbeat);
  const harmless = '[2,"m4","ChangeConfiguration",{"key":"HeartbeatInterval","value":"60"}]';
  assertStrictEquals(redactFrameText(harmless), harmless);
  assertEquals(
    redactFrameText('[2,"m5","X",{"password":"abc"'),
    "[unreadable frame of 29 characters, hidden: it may hold a secret]",
  );
});

Deno.test("redactFrameText() hides what is nested too deep to inspect, without overflowing the stack", () => {
  const deep = `[2,"m6","DataTransfer",{"vendorId":"key","data":${"[".repeat(50_000)}${"]".repeat(50_000)}}]`;
  const out = redactFrameText(deep);
  assertEquals(out.includes(REDACTED), true);
  assertEquals(out.length < 1000, true);
});

Deno.test("redactSecrets() keeps a certificate's issuerKeyHash (a public key's hash, not a secret)", () => {
  const hashData = { hashAlgorithm: "SHA256", issuerNameHash: "aa", issuerKeyHash: "bb", serialNumber: "01" };
  const answer = { status: "Accepted", certificateHashData: [hashData] };
  assertStrictEquals(redactSecrets(answer), answer);
});
