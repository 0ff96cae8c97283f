import { assertEquals } from "@std/assert";
import type { AnsweredCommand } from "./actors/deps.ts";
import { commandAnswerEffects } from "./command_answers.ts";
import { createMemoryLogger } from "./logger.ts";

function effects(failEnergy = false) {
  const profiles: string[] = [];
  const lists: [string, number, string][] = [];
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
  });
  return { told, profiles, lists, logger };
}

const answer = (action: string, request: unknown, status: string, dialect = "ocpp1.6"): AnsweredCommand => ({
  chargePointId: "CP-1",
  action,
  request,
  response: { status },
  requestedBy: "user:olga",
  dialect,
  late: true,
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
