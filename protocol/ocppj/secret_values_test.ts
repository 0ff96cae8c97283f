import { assertEquals, assertStrictEquals } from "@std/assert";
import { isSecretName, REDACTED, redactFrameText, redactSecrets } from "./secret_values.ts";

Deno.test("isSecretName() knows AuthorizationKey and names that say key, password or secret", () => {
  for (
    const name of [
      "AuthorizationKey",
      "WifiPassword",
      "mqtt_secret",
      "APIKEY",
      "apiKey",
      "SecretToken",
      "Credential",
      "BackendCredentials",
    ]
  ) {
    assertEquals(isSecretName(name), true, name);
  }
  for (
    const name of [
      "GetConfigurationMaxKeys",
      "HeartbeatInterval",
      "MeterValuesSampledData",
      "idTag",
      "PublicKeyWithSignedMeterValue",
    ]
  ) {
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

Deno.test("redactFrameText() sees a secret's name spelled in JSON escapes", () => {
  const escaped = '[2,"m6","SetVariables",{"setVariableData":[{"attributeValue":"hunter2",' +
    '"component":{"name":"SecurityCtrlr"},"variable":{"name":"BasicAuthPa\\u0073sword"}}]}]';
  assertEquals(JSON.parse(escaped)[3].setVariableData[0].variable.name, "BasicAuthPassword");
  assertEquals(redactFrameText(escaped).includes("hunter2"), false);
  const plain = '[2,"m7","DataTransfer",{"vendorId":"caf\\u00e9"}]';
  assertStrictEquals(redactFrameText(plain), plain);
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

Deno.test("redactSecrets() hides the value of an OCPP 2.0.1 variable whose name says secret, wherever it is carried", () => {
  const secret = { component: { name: "SecurityCtrlr" }, variable: { name: "BasicAuthPassword" } };
  const harmless = { component: { name: "OCPPCommCtrlr" }, variable: { name: "HeartbeatInterval" } };
  const set = {
    setVariableData: [
      { ...secret, attributeType: "Actual", attributeValue: "s3cr3t-password" },
      { ...harmless, attributeValue: "300" },
    ],
  };
  const out = redactSecrets(set);
  assertEquals(out.setVariableData[0]?.attributeValue, REDACTED);
  assertEquals(out.setVariableData[0]?.variable, { name: "BasicAuthPassword" }, "the name stays readable");
  assertEquals(out.setVariableData[1]?.attributeValue, "300");
  assertEquals(set.setVariableData[0]?.attributeValue, "s3cr3t-password", "the input is not changed");
  // GetVariables' answer, a NotifyReport's data, and the device model entry we keep.
  const got = { getVariableResult: [{ ...secret, attributeStatus: "Accepted", attributeValue: "s3cr3t" }] };
  assertEquals(redactSecrets(got).getVariableResult[0]?.attributeValue, REDACTED);
  const report = {
    reportData: [
      { ...secret, variableAttribute: [{ type: "Actual", value: "s3cr3t", mutability: "WriteOnly" }] },
      { ...harmless, variableAttribute: [{ type: "Actual", value: "300" }] },
    ],
  };
  const reported = redactSecrets(report);
  assertEquals(reported.reportData[0]?.variableAttribute, [{
    type: "Actual",
    value: REDACTED,
    mutability: "WriteOnly",
  }]);
  assertStrictEquals(reported.reportData[1], report.reportData[1]);
  const entry = { ...secret, attributes: [{ type: "Actual", value: "s3cr3t" }, { type: "Target" }] };
  assertEquals(redactSecrets(entry).attributes, [{ type: "Actual", value: REDACTED }, { type: "Target" }]);
  // A NotifyEvent from a monitor on the variable carries its new value as actualValue.
  const event = { eventData: [{ ...secret, actualValue: "s3cr3t" }, { ...harmless, actualValue: "300" }] };
  const told = redactSecrets(event);
  assertEquals(told.eventData[0]?.actualValue, REDACTED);
  assertStrictEquals(told.eventData[1], event.eventData[1]);
  const frame = `[2,"m7","SetVariables",${JSON.stringify(set)}]`;
  assertEquals(redactFrameText(frame).includes("s3cr3t"), false);
  assertStrictEquals(redactSecrets({ ...harmless, attributeValue: "300" }).attributeValue, "300");
});

Deno.test("redactFrameText() hides a ChangeConfiguration of a key named Credential", () => {
  const call = JSON.stringify([2, "c1", "ChangeConfiguration", {
    key: "Credential",
    value: "hunter2-SECRET",
  }]);
  const shown = redactFrameText(call);
  assertEquals(shown.includes("hunter2-SECRET"), false, shown);
  assertEquals(JSON.parse(shown)[3], { key: "Credential", value: REDACTED });
});

Deno.test("redactFrameText() hides a 2.0.1 variable named Credential (a frame without the word key)", () => {
  const call = JSON.stringify([2, "c2", "SetVariables", {
    setVariableData: [{
      attributeValue: "hunter3-hidden",
      component: { name: "OCPPCommCtrlr" },
      variable: { name: "Credential" },
    }],
  }]);
  const shown = redactFrameText(call);
  assertEquals(shown.includes("hunter3-hidden"), false, shown);
});

Deno.test("the token of this server's upload and firmware URLs is redacted wherever the URL appears", () => {
  const token = "A".repeat(20) + "b_-".repeat(7) + "z".repeat(2);
  const upload = `https://csms.example.com/files/upload/CP-1/${token}`;
  const firmware = `https://csms.example.com/files/firmware/CP%2F2/${token}/image.bin`;
  assertEquals(
    redactSecrets({ log: { remoteLocation: upload }, location: firmware }),
    {
      log: { remoteLocation: `https://csms.example.com/files/upload/CP-1/${REDACTED}` },
      location: `https://csms.example.com/files/firmware/CP%2F2/${REDACTED}/image.bin`,
    },
  );
  const frame = JSON.stringify([2, "1", "GetLog", {
    logType: "SecurityLog",
    log: { remoteLocation: upload },
  }]);
  assertEquals(redactFrameText(frame).includes(token), false);
  assertEquals(redactFrameText(frame).includes("/files/upload/CP-1/"), true);
  // Somebody else's URL, or a shorter path segment, is left alone.
  const other = { location: "ftp://logs.example.com/files/upload/CP-1/short-token" };
  assertStrictEquals(redactSecrets(other), other);
});

Deno.test("redactSecrets() hides a 2.0.1 SetNetworkProfile's VPN key and password, APN password and SIM PIN", () => {
  const request = {
    configurationSlot: 2,
    connectionData: {
      ocppVersion: "OCPP20",
      ocppTransport: "JSON",
      ocppCsmsUrl: "wss://csms.example/ocpp",
      messageTimeout: 30,
      securityProfile: 2,
      ocppInterface: "Wireless0",
      apn: { apn: "internet", apnPassword: "apn-pw", simPin: 1234, apnAuthentication: "AUTO" },
      vpn: { server: "vpn.example", user: "u", password: "vpn-pw", key: "vpn-shared-key", type: "IPSec" },
    },
  };
  const redacted = redactSecrets(request);
  assertEquals(redacted.connectionData.vpn, {
    ...request.connectionData.vpn,
    password: REDACTED,
    key: REDACTED,
  });
  assertEquals(redacted.connectionData.apn, {
    ...request.connectionData.apn,
    apnPassword: REDACTED,
    simPin: REDACTED,
  });
  assertEquals(redacted.connectionData.ocppCsmsUrl, "wss://csms.example/ocpp");
  // A ChangeConfiguration's `key` stays a key name.
  assertEquals(redactSecrets({ key: "HeartbeatInterval", value: "300" }), {
    key: "HeartbeatInterval",
    value: "300",
  });
  // The frame log: a frame with only a SIM PIN is parsed and redacted too.
  const frame = JSON.stringify([2, "1", "SetNetworkProfile", { connectionData: { apn: { simPin: 1234 } } }]);
  assertEquals(JSON.parse(redactFrameText(frame))[3].connectionData.apn.simPin, REDACTED);
});
