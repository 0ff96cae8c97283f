import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import type { CallOptions } from "../actors/charge_point.ts";
import { createCommandSender } from "./command_sender.ts";

/** A sender for a station connected to another node (no actor here) that last connected with `ocppVersion`. */
function remoteStation(ocppVersion: string) {
  const sent: { via: string; action: string; payload: unknown }[] = [];
  // What an answer teaches is told by the node holding the station (in its dialect), when asked to.
  const answered: { action: string; answerEffects: boolean | "late" | undefined }[] = [];
  const record = { registrationStatus: "Accepted", decommissionedAt: null, ocppVersion };
  const send = createCommandSender({
    registry: {
      get: () => undefined,
      call: (_id: string, action: string, payload: unknown, options: CallOptions) => {
        sent.push({ via: "call", action, payload });
        answered.push({ action, answerEffects: options.answerEffects });
        return Promise.resolve({ status: "Accepted", listVersion: 3 });
      },
      send: (_id: string, action: string, payload: unknown, options: CallOptions) => {
        sent.push({ via: "send", action, payload });
        answered.push({ action, answerEffects: options.answerEffects });
        return Promise.resolve({ status: "Accepted", versionNumber: 3 });
      },
    } as never,
    store: {
      getChargePoint: () => Promise.resolve(record),
      appendCommandLog: () => Promise.resolve(),
      getIdTag: () => Promise.resolve(null),
    } as never,
    logger: createMemoryLogger(),
    now: () => new Date(),
    profiles: {
      commandClash: () => Promise.resolve(null),
    },
  });
  return { send, sent, answered };
}

Deno.test("fleet sender: a 2.0.1 station on another node is commanded as 2.0.1, its answer told where it is held", async () => {
  const { send, sent, answered } = remoteStation("ocpp2.0.1");
  const clear = await send({
    chargePointId: "CP-201",
    action: "ClearChargingProfile",
    payload: { chargingProfileId: 5 },
    requestedBy: "job:x",
  });
  assertEquals(clear.outcome, "accepted");
  assertEquals(answered, [{ action: "ClearChargingProfile", answerEffects: true }]);
  // A 1.6 command a job sends is translated for it, as for a station connected here.
  const version = await send({
    chargePointId: "CP-201",
    action: "GetLocalListVersion",
    payload: {},
    requestedBy: "x",
  });
  assertEquals(version.response, { listVersion: 3 });
  assertEquals(sent.map((s) => [s.via, s.action]), [["send", "ClearChargingProfile"], [
    "send",
    "GetLocalListVersion",
  ]]);
});

Deno.test("fleet sender: a 1.6 station on another node goes the 1.6 way", async () => {
  const { send, sent, answered } = remoteStation("ocpp1.6");
  await send({
    chargePointId: "CP-16",
    action: "ClearChargingProfile",
    payload: { id: 5 },
    requestedBy: "job:x",
  });
  assertEquals(sent.map((s) => [s.via, s.action]), [["call", "ClearChargingProfile"]]);
  assertEquals(answered, [{ action: "ClearChargingProfile", answerEffects: true }]);
});
