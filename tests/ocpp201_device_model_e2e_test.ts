/**
 * An OCPP 2.0.1 station's device model follows the operator's SetVariables and GetVariables, as a strict
 * ocpp-rpc 2.0.1 station answers them, on both stores: an accepted value (or one that needs a reboot) and a
 * read value replace the stored one, a refused one changes nothing, a variable no report described is not
 * added. A secret (SecurityCtrlr.BasicAuthPassword) set by the operator, or reported by buggy firmware, is
 * in no API answer, page, stored row or log line.
 */
import { assert, assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

const REPORTED_SECRET = "reported-basic-auth-SECRET-1";
const NEW_SECRET = "new-basic-auth-password-SECRET-2";

type Data = { component: { name: string }; variable: { name: string }; attributeValue?: string };
type Entry = {
  variable: { name: string };
  attributes: { type?: string; value?: string }[];
  valueChangedAt?: string;
};

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: SetVariables and GetVariables answers change the stored device model, secrets never kept`, async () => {
    await withApiServer(kind, async (server) => {
      const station = await connectStation201(server.wsUrl, "CP-DM");
      const values = new Map([
        ["OCPPCommCtrlr.HeartbeatInterval", "300"],
        ["SecurityCtrlr.BasicAuthPassword", REPORTED_SECRET],
        ["TxCtrlr.EVConnectionTimeOut", "120"],
      ]);
      station.handle("SetVariables", ({ params }) => ({
        setVariableResult: params.setVariableData.map((d: Data) => {
          const key = `${d.component.name}.${d.variable.name}`;
          const status = !values.has(key)
            ? "UnknownVariable"
            : d.attributeValue === "refuse-me"
            ? "Rejected"
            : key.startsWith("TxCtrlr")
            ? "RebootRequired"
            : "Accepted";
          if (status !== "Rejected" && status !== "UnknownVariable") values.set(key, d.attributeValue!);
          return { attributeStatus: status, component: d.component, variable: d.variable };
        }),
      }));
      station.handle("GetVariables", ({ params }) => ({
        getVariableResult: params.getVariableData.map((d: Data) => {
          const value = values.get(`${d.component.name}.${d.variable.name}`);
          return {
            attributeStatus: value === undefined ? "UnknownVariable" : "Accepted",
            component: d.component,
            variable: d.variable,
            ...(value === undefined ? {} : { attributeValue: value }),
          };
        }),
      }));
      const model = async () => {
        const res = await server.json("/api/v1/charge-points/CP-DM/device-model", { as: "viewer" });
        assertEquals(res.status, 200);
        return new Map(
          (res.body.items as Entry[]).map((e) => [e.variable.name, e]),
        );
      };
      const actual = (e: Entry | undefined) =>
        e?.attributes.find((a) => (a.type ?? "Actual") === "Actual")?.value;
      const set = (name: string, component: string, value: string) =>
        server.json("/api/v1/charge-points/CP-DM/SetVariables", {
          method: "POST",
          // The BasicAuthPassword is an admin's to set (the key a station accepts is stored).
          as: name === "BasicAuthPassword" ? "admin" : "operator",
          body: {
            setVariableData: [{ attributeValue: value, component: { name: component }, variable: { name } }],
          },
        });
      try {
        // Buggy firmware reports the password's value.
        await station.call("NotifyReport", {
          requestId: 1,
          generatedAt: "2026-12-01T10:00:00Z",
          seqNo: 0,
          reportData: [
            {
              component: { name: "OCPPCommCtrlr" },
              variable: { name: "HeartbeatInterval" },
              variableAttribute: [{ type: "Actual", value: "300", mutability: "ReadWrite" }],
            },
            {
              component: { name: "SecurityCtrlr" },
              variable: { name: "BasicAuthPassword" },
              variableAttribute: [{ type: "Actual", value: REPORTED_SECRET, mutability: "WriteOnly" }],
            },
            {
              component: { name: "TxCtrlr" },
              variable: { name: "EVConnectionTimeOut" },
              variableAttribute: [{ type: "Actual", value: "120", mutability: "ReadWrite" }],
            },
          ],
        });
        let m = await model();
        assertEquals(actual(m.get("HeartbeatInterval")), "300");
        assertEquals(actual(m.get("BasicAuthPassword")), "[redacted]");

        assertEquals((await set("HeartbeatInterval", "OCPPCommCtrlr", "60")).status, 200);
        assertEquals((await set("EVConnectionTimeOut", "TxCtrlr", "45")).status, 200);
        const refused = await set("HeartbeatInterval", "OCPPCommCtrlr", "refuse-me");
        assertEquals(refused.body.setVariableResult[0].attributeStatus, "Rejected");
        const unknown = await set("Nothing", "Nope", "1");
        assertEquals(unknown.body.setVariableResult[0].attributeStatus, "UnknownVariable");
        const secret = await set("BasicAuthPassword", "SecurityCtrlr", NEW_SECRET);
        assertEquals(secret.body.setVariableResult[0].attributeStatus, "Accepted");
        assertEquals(
          values.get("SecurityCtrlr.BasicAuthPassword"),
          NEW_SECRET,
          "the station got the real one",
        );
        m = await model();
        assertEquals(actual(m.get("HeartbeatInterval")), "60", "accepted, the refused value left it alone");
        assert(m.get("HeartbeatInterval")?.valueChangedAt, "when a command changed it");
        assertEquals(
          actual(m.get("EVConnectionTimeOut")),
          "45",
          "RebootRequired: set, active after a reboot",
        );
        assertEquals(actual(m.get("BasicAuthPassword")), "[redacted]");
        assertEquals(m.has("Nothing"), false, "a variable no report described is not added");
        assertEquals(m.size, 3);

        // The station changed a value itself: GetVariables reads it into the model.
        values.set("OCPPCommCtrlr.HeartbeatInterval", "90");
        const got = await server.json("/api/v1/charge-points/CP-DM/GetVariables", {
          method: "POST",
          as: "operator",
          body: {
            getVariableData: [
              { component: { name: "OCPPCommCtrlr" }, variable: { name: "HeartbeatInterval" } },
              { component: { name: "SecurityCtrlr" }, variable: { name: "BasicAuthPassword" } },
            ],
          },
        });
        assertEquals(got.status, 200);
        assertEquals(got.body.getVariableResult[1].attributeValue, "[redacted]", "not even to the operator");
        assertEquals(actual((await model()).get("HeartbeatInterval")), "90");

        // Every place a viewer reads, the store and the log.
        const reads = ["device-model", "commands", "frames", ""].map((p) =>
          server.json(`/api/v1/charge-points/CP-DM${p ? `/${p}` : ""}`, { as: "viewer" })
        );
        const stored = [
          await server.store.listDeviceModel("CP-DM", { limit: 100 }),
          await server.store.listCommandLog("CP-DM", 100),
          server.logs,
          ...(await Promise.all(reads)).map((r) => r.body),
        ];
        await server.json("/api/v1/users", {
          method: "POST",
          body: { username: "vera", role: "viewer", password: "vera-password-1" },
        });
        const page = await fetch(`${server.url}/stations/CP-DM`, {
          headers: { cookie: await server.login("vera", "vera-password-1") },
        });
        const text = JSON.stringify(stored) + await page.text();
        assertEquals(page.status, 200);
        for (const secret of [REPORTED_SECRET, NEW_SECRET]) {
          assert(!text.includes(secret), `a secret is shown, stored or logged: ${secret}`);
        }
      } finally {
        await closeStation(station);
      }
    });
  });
}
