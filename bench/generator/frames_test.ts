/**
 * Every frame the generator sends, and every answer it gives the server, passes the official OCPP 1.6 JSON
 * schemas as the strict ocpp-rpc peer checks them (ocpp-rpc's own validator and schema file).
 */
import { createRequire } from "node:module";
import { createValidator } from "ocpp-rpc";
import { assertEquals } from "@std/assert";
import { STATION_ANSWERS, stationAnswer } from "./frames.ts";
import { callAnswered, MIXES, newStation, nextCall } from "./mixes.ts";
import { bootNotification, statusNotification } from "./frames.ts";

const require = createRequire(import.meta.url);
const validator = createValidator("ocpp1.6", require("ocpp-rpc/lib/schemas/ocpp1_6.json"));

/** Empty when valid, else ocpp-rpc's error text. */
function problems(schemaId: string, payload: unknown): string {
  try {
    validator.validate(schemaId, payload);
    return "";
  } catch (error) {
    return `${schemaId}: ${(error as Error).message}`;
  }
}

Deno.test("every CALL of every mix passes the official OCPP 1.6 request schema", () => {
  const found: string[] = [];
  for (const mix of MIXES) {
    for (let i = 0; i < 3; i++) {
      const station = { ...newStation(i), transactionId: mix === "steady" ? 12 : null };
      for (let n = 0; n < 12; n++) {
        const { action, payload } = nextCall(mix, station, "BENCH-TAG");
        const problem = problems(`urn:${action}.req`, payload);
        if (problem) found.push(problem);
        callAnswered(
          station,
          action,
          action === "StartTransaction" ? { transactionId: 5, idTagInfo: { status: "Accepted" } } : {},
        );
      }
    }
  }
  found.push(problems("urn:BootNotification.req", bootNotification("ST-000000000000000000000000001")));
  for (const status of ["Preparing", "Charging"] as const) {
    found.push(problems("urn:StatusNotification.req", statusNotification(status)));
  }
  assertEquals(found.filter(Boolean), []);
});

Deno.test("the stations' answers to the server's CALLs pass the official .conf schemas", () => {
  const actions = [...Object.keys(STATION_ANSWERS), "ChangeConfiguration", "TriggerMessage", "Reset"];
  assertEquals(actions.map((a) => problems(`urn:${a}.conf`, stationAnswer(a))).filter(Boolean), []);
});
