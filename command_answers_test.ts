import { assertEquals } from "@std/assert";
import type { AnsweredCommand } from "./actors/deps.ts";
import { commandAnswerEffects } from "./command_answers.ts";
import { createMemoryLogger } from "./logger.ts";

function effects(failEnergy = false) {
  const profiles: string[] = [];
  const lists: [string, number, string][] = [];
  const settled: string[] = [];
  const logger = createMemoryLogger();
  const told = commandAnswerEffects({
    energy: {
      commandAnswered: ({ action, dialect }) => {
        if (failEnergy) return Promise.reject(new Error("store down"));
        profiles.push(`${action} ${dialect}`);
        return Promise.resolve();
      },
    },
    localList: {
      listReplaced: (id, version, by) => (lists.push([id, version, by]), Promise.resolve()),
    },
    logger,
    lateSecurityAnswer: ({ action }) => (settled.push(action), Promise.resolve()),
  });
  return { told, profiles, lists, settled, logger };
}

const answer = (
  action: string,
  request: unknown,
  status: string,
  dialect = "ocpp1.6",
  late = true,
): AnsweredCommand => ({
  chargePointId: "CP-1",
  action,
  request,
  response: { status },
  callError: null,
  requestedBy: "user:olga",
  requestedAt: "2026-05-01T10:00:00.000Z",
  dialect,
  late,
  callerRecords: false,
  recordsAsked: null,
});

Deno.test("commandAnswerEffects() gives profile commands to energy, in their dialect, whatever they answered", async () => {
  const { told, profiles, lists } = effects();
  await told(answer("SetChargingProfile", {}, "Rejected"));
  await told(answer("ClearChargingProfile", {}, "Accepted", "ocpp2.0.1"));
  await told(answer("Reset", {}, "Accepted"));
  assertEquals(profiles, ["SetChargingProfile ocpp1.6", "ClearChargingProfile ocpp2.0.1"]);
  assertEquals(lists, []);
});

Deno.test("commandAnswerEffects() tells the managed list of an accepted SendLocalList only, either dialect's version", async () => {
  const { told, lists } = effects();
  await told(answer("SendLocalList", { listVersion: 5 }, "Failed"));
  await told(answer("SendLocalList", { listVersion: 6 }, "Accepted"));
  await told(answer("SendLocalList", { versionNumber: 7 }, "Accepted", "ocpp2.0.1"));
  assertEquals(lists, [["CP-1", 6, "user:olga"], ["CP-1", 7, "user:olga"]]);
});

Deno.test("commandAnswerEffects() logs a failure and never rejects: the station did act", async () => {
  const { told, logger } = effects(true);
  await told(answer("SetChargingProfile", {}, "Accepted"));
  assertEquals(
    logger.lines.filter((l) => l.msg === "cannot record what a command's answer taught").length,
    1,
  );
});

Deno.test("commandAnswerEffects() has a late answer settle pending security changes; a timely one is the route's", async () => {
  const { told, settled } = effects();
  const key = { key: "AuthorizationKey", value: "a-new-key-of-16-chars" };
  await told(answer("ChangeConfiguration", key, "Accepted", "ocpp1.6", false));
  assertEquals(settled, []);
  await told(answer("ChangeConfiguration", key, "Accepted"));
  assertEquals(settled, ["ChangeConfiguration"]);
});

Deno.test("commandAnswerEffects() gives a late CALLERROR to security and to load management's own record, not to an operator's profiles", async () => {
  const { told, profiles, lists, settled } = effects();
  const callError = { errorCode: "InternalError", errorDescription: "busy" };
  const errored = (action: string, callerRecords: boolean): AnsweredCommand => ({
    ...answer(action, {}, "Accepted"),
    response: null,
    callError,
    callerRecords,
  });
  await told(errored("ChangeConfiguration", false));
  await told(errored("SetChargingProfile", false));
  await told(errored("SendLocalList", false));
  assertEquals([settled, profiles, lists], [
    ["ChangeConfiguration", "SetChargingProfile", "SendLocalList"],
    [],
    [],
  ]);
  await told(errored("SetChargingProfile", true));
  assertEquals(profiles, ["SetChargingProfile ocpp1.6"]);
});
