/**
 * A job's payload is any JSON until the job service checks it against the action's schemas, but the trust and
 * security-profile checks in front of that read it as an object: `{"action":"ChangeConfiguration","payload":
 * null}`, a SetVariables with `setVariableData: [null]` or a string, a SetNetworkProfile with a null payload
 * (as admin) each answered 500. Now each is a 400 with a JSON body naming what is wrong, and the trust rule
 * still holds for the shapes that are commands.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";

const ODD_PAYLOADS: Array<{ action: string; payload: unknown }> = [
  { action: "ChangeConfiguration", payload: null },
  { action: "ChangeConfiguration", payload: "SecurityProfile" },
  { action: "ChangeConfiguration", payload: [1, 2] },
  { action: "SetVariables", payload: null },
  { action: "SetVariables", payload: { setVariableData: [null] } },
  { action: "SetVariables", payload: { setVariableData: "x" } },
  { action: "SetVariables", payload: { setVariableData: [{ component: null, variable: 7 }] } },
  { action: "SetNetworkProfile", payload: null },
  { action: "SetNetworkProfile", payload: { connectionData: null } },
  { action: "SignedUpdateFirmware", payload: null },
];

Deno.test("a job whose payload is not a command's object is a 400 with a JSON body, never a 500", async () => {
  const server = await startApiServer();
  try {
    for (const { action, payload } of ODD_PAYLOADS) {
      for (const as of ["operator", "admin"] as const) {
        const res = await server.json("/api/v1/jobs", {
          method: "POST",
          as,
          body: { action, payload, chargePointIds: ["JOB-ODD-1"] },
        });
        const what = `${as} ${action} ${JSON.stringify(payload)}: ${JSON.stringify(res.body)}`;
        // An operator may be refused SetNetworkProfile (403: admin only) before its payload is read.
        const expected = as === "operator" && action === "SetNetworkProfile" ? 403 : 400;
        assertEquals(res.status, expected, what);
        assertEquals(typeof res.body.error, "string", what);
      }
    }
  } finally {
    await server.close();
  }
});

Deno.test("a job's SetVariables of SecurityCtrlr still needs admin, whatever else its list holds", async () => {
  const server = await startApiServer();
  try {
    const payload = {
      setVariableData: [
        null,
        { component: { name: "SecurityCtrlr" }, variable: { name: "OrganizationName" }, attributeValue: "X" },
      ],
    };
    const res = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: { action: "SetVariables", payload, chargePointIds: ["JOB-ODD-2"] },
    });
    assertEquals(res.status, 403, JSON.stringify(res.body));
    assertEquals(res.body.details.required, "admin");
  } finally {
    await server.close();
  }
});

Deno.test("a job whose payload names a key or component by an object JSON cannot turn into text is a 400, not a 500", async () => {
  const server = await startApiServer();
  try {
    // `String()` of `{"toString":1}` throws (no callable toString, valueOf gives the object back).
    const odd = { toString: 1 };
    const payloads: Array<{ action: string; payload: unknown }> = [
      { action: "ChangeConfiguration", payload: { key: odd, value: "1" } },
      {
        action: "SetVariables",
        payload: {
          setVariableData: [{ component: { name: odd }, variable: { name: "X" }, attributeValue: "1" }],
        },
      },
      {
        action: "SetVariables",
        payload: {
          setVariableData: [{ component: { name: "X" }, variable: { name: odd }, attributeValue: "1" }],
        },
      },
    ];
    for (const { action, payload } of payloads) {
      for (const as of ["operator", "admin"] as const) {
        const res = await server.json("/api/v1/jobs", {
          method: "POST",
          as,
          body: { action, payload, chargePointIds: ["JOB-ODD-3"] },
        });
        const what = `${as} ${action} ${JSON.stringify(payload)}: ${JSON.stringify(res.body)}`;
        assertEquals(res.status, 400, what);
        assertEquals(typeof res.body.error, "string", what);
      }
    }
  } finally {
    await server.close();
  }
});
