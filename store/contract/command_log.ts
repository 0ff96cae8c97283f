import { assertEquals, assertNotEquals } from "@std/assert";
import { NODE_LOST_RESPONSE } from "../../model/command_log.ts";
import { at, type Cases, chargePoint, command } from "./harness.ts";

/** The command log. */
export function commandLogCases({ stationTest }: Cases): void {
  // ---------------------------------------------------------------- command log

  stationTest(
    "listCommandLog() returns one station's commands newest first by requestedAt, up to limit",
    async ({ store }) => {
      const a = command("c1", { requestedAt: at(1), finishedAt: at(1.1) });
      const b = command("c2", {
        requestedAt: at(2),
        finishedAt: at(2.5),
        action: "ChangeConfiguration",
        payload: { key: "HeartbeatInterval", value: "60" },
        outcome: "callerror",
        response: { errorCode: "NotSupported", errorDescription: "", errorDetails: {} },
      });
      const c = command("c3", {
        requestedAt: at(3),
        outcome: "timeout",
        response: null,
        finishedAt: at(3.5),
      });
      const other = command("c4", { chargePointId: "CP-2", requestedAt: at(4), outcome: "refused" });
      // Appended when finished, which need not be in request order.
      for (const e of [b, a, c, other]) await store().appendCommandLog(e);

      assertEquals(await store().listCommandLog("CP-1", 10), [c, b, a]);
      assertEquals(await store().listCommandLog("CP-1", 1), [c]);
      assertEquals(await store().listCommandLog("CP-2", 10), [other]);
      assertEquals(await store().listCommandLog("CP-3", 10), []);
    },
  );

  stationTest(
    "listCommandLogSince() finds a station's rows of one action since a time behind 150 newer commands",
    async ({ store }) => {
      const reserve = (id: string, minutes: number, reservationId: number) =>
        command(id, {
          requestedAt: at(minutes),
          finishedAt: at(minutes + 0.01),
          action: "ReserveNow",
          payload: { connectorId: 1, expiryDate: at(600), idTag: "OWNER", reservationId },
        });
      const before = reserve("r0", 1, 6);
      const own = reserve("r1", 2, 7);
      const raw = reserve("r2", 3, 7);
      const otherStation = { ...reserve("r3", 2.5, 8), chargePointId: "CP-2" };
      for (const e of [before, own, raw, otherStation]) await store().appendCommandLog(e);
      // A busy station: many commands after the ReserveNow, more than one newest page holds.
      for (let i = 0; i < 150; i++) {
        await store().appendCommandLog(command(`busy-${i}`, { requestedAt: at(4 + i / 100) }));
      }
      assertEquals(
        (await store().listCommandLog("CP-1", 100)).some((e) => e.action === "ReserveNow"),
        false,
        "out of the newest page's sight",
      );
      assertEquals(await store().listCommandLogSince("CP-1", "ReserveNow", at(2), 10), [raw, own]);
      assertEquals(await store().listCommandLogSince("CP-1", "ReserveNow", at(0), 2), [raw, own]);
      assertEquals(await store().listCommandLogSince("CP-1", "ReserveNow", at(0), 10), [raw, own, before]);
      assertEquals(await store().listCommandLogSince("CP-1", "ReserveNow", at(3.5), 10), []);
      assertEquals(await store().listCommandLogSince("CP-2", "ReserveNow", at(0), 10), [otherStation]);
      assertEquals(await store().listCommandLogSince("CP-1", "Reset", at(4 + 149 / 100), 10), [
        command("busy-149", { requestedAt: at(4 + 149 / 100) }),
      ]);
    },
  );

  stationTest(
    "a command logged as sending is settled in place by id: one row, its request kept, the answer written",
    async ({ store }) => {
      const sending = command("w1", {
        requestedAt: at(1),
        outcome: "sending",
        response: null,
        finishedAt: null,
        nodeId: "node-a",
      });
      await store().appendCommandLog(sending);
      assertEquals(await store().listCommandLog("CP-1", 10), [sending]);
      // The settling writer may have its own idea of the request time: the row keeps the first.
      await store().appendCommandLog(
        command("w1", { requestedAt: at(2), finishedAt: at(1.5), nodeId: "node-a" }),
      );
      assertEquals(await store().listCommandLog("CP-1", 10), [
        { ...sending, outcome: "accepted", response: { status: "Accepted" }, finishedAt: at(1.5) },
      ]);
    },
  );

  stationTest(
    "a settled row changes only for an outcome that knows more: sending < unknown < the station's answer",
    async ({ store }) => {
      const base = { requestedAt: at(1), nodeId: "node-a" };
      await store().appendCommandLog(
        command("r1", { ...base, outcome: "sending", response: null, finishedAt: null }),
      );
      await store().appendCommandLog(
        command("r1", { ...base, outcome: "unknown", response: NODE_LOST_RESPONSE, finishedAt: at(2) }),
      );
      // A late write-ahead (a frozen holder waking) does not reopen it.
      await store().appendCommandLog(
        command("r1", { ...base, outcome: "sending", response: null, finishedAt: null }),
      );
      assertEquals((await store().listCommandLog("CP-1", 10)).map((e) => [e.outcome, e.finishedAt]), [
        ["unknown", at(2)],
      ]);
      // The holder's late answer is what the station did: it replaces "unknown".
      await store().appendCommandLog(
        command("r1", { ...base, outcome: "callerror", response: { errorCode: "x" }, finishedAt: at(3) }),
      );
      // A known outcome is never replaced, by another known one or by "unknown".
      await store().appendCommandLog(command("r1", { ...base, finishedAt: at(4) }));
      await store().appendCommandLog(
        command("r1", { ...base, outcome: "unknown", response: NODE_LOST_RESPONSE, finishedAt: at(5) }),
      );
      assertEquals(
        (await store().listCommandLog("CP-1", 10)).map((e) => [e.outcome, e.response, e.finishedAt]),
        [
          ["callerror", { errorCode: "x" }, at(3)],
        ],
      );
    },
  );

  stationTest(
    "settleCommandsOfLostNodes() settles once the rows a lost node left sending, not a live or recent node's",
    async ({ store }) => {
      // Ages are real (PostgreSQL judges them by its own clock when it stored the row): written apart in time.
      const sending = (id: string, nodeId: string) =>
        command(id, {
          requestedAt: new Date().toISOString(),
          outcome: "sending",
          response: null,
          finishedAt: null,
          nodeId,
        });
      await store().appendCommandLog(sending("dead-old", "node-a"));
      await store().appendCommandLog(sending("live", "node-b"));
      await store().appendCommandLog(command("done", { requestedAt: at(2), nodeId: "node-a" }));
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await store().appendCommandLog(sending("dead-new", "node-a"));

      const now = () => new Date().toISOString();
      const settledAt = now();
      assertEquals(await store().settleCommandsOfLostNodes(["node-b"], 500, settledAt), 1);
      assertEquals(await store().settleCommandsOfLostNodes(["node-b"], 500, now()), 0);
      const byId = new Map((await store().listCommandLog("CP-1", 10)).map((e) => [e.id, e]));
      assertEquals(
        [byId.get("dead-old")?.outcome, byId.get("dead-old")?.response, byId.get("dead-old")?.finishedAt],
        ["unknown", NODE_LOST_RESPONSE, settledAt],
      );
      assertEquals(
        ["dead-new", "live", "done"].map((id) => byId.get(id)?.outcome),
        ["sending", "sending", "accepted"],
      );
      // Its node was frozen, not dead: the answer it learns later still lands.
      await store().appendCommandLog(
        command("dead-old", {
          requestedAt: byId.get("dead-old")!.requestedAt,
          finishedAt: now(),
          nodeId: "node-a",
        }),
      );
      assertEquals(
        (await store().listCommandLog("CP-1", 10)).find((e) => e.id === "dead-old")?.outcome,
        "accepted",
      );
      // Settled rows are no longer sending: nothing left for a sweep.
      assertEquals(await store().settleCommandsOfLostNodes([], 0, now()), 2);
      assertEquals(await store().settleCommandsOfLostNodes([], 0, now()), 0);
    },
  );

  stationTest(
    "a late answer is added to a timeout row, once, and the timeout stays; a row of another outcome takes none",
    async ({ store }) => {
      const timedOut = command("late1", {
        requestedAt: at(1),
        outcome: "timeout",
        response: null,
        finishedAt: at(2),
      });
      await store().appendCommandLog({ ...timedOut, outcome: "sending", finishedAt: null });
      await store().appendCommandLog(timedOut);
      const lateAnswer = { outcome: "accepted" as const, response: { status: "Accepted" }, at: at(3) };
      await store().appendCommandLog({ ...timedOut, lateAnswer });
      assertEquals(await store().listCommandLog("CP-1", 10), [{ ...timedOut, lateAnswer }]);
      // A second late answer (a retried write of another one) leaves the first; a retried timeout changes nothing.
      const other = { outcome: "callerror" as const, response: { errorCode: "InternalError" }, at: at(4) };
      await store().appendCommandLog({ ...timedOut, lateAnswer: other });
      await store().appendCommandLog(timedOut);
      assertEquals(await store().listCommandLog("CP-1", 10), [{ ...timedOut, lateAnswer }]);

      // The timeout's own write failed (the row still sending): the late write settles both, in one.
      const lost = command("late2", {
        requestedAt: at(5),
        outcome: "timeout",
        response: null,
        finishedAt: at(6),
      });
      await store().appendCommandLog({ ...lost, outcome: "sending", finishedAt: null });
      await store().appendCommandLog({ ...lost, lateAnswer: other });
      await store().appendCommandLog(lost);
      assertEquals((await store().listCommandLog("CP-1", 1))[0], { ...lost, lateAnswer: other });

      // An accepted row is never given a late answer.
      const answered = command("late3", { requestedAt: at(7), finishedAt: at(8) });
      await store().appendCommandLog(answered);
      await store().appendCommandLog({ ...answered, outcome: "timeout", response: null, lateAnswer });
      assertEquals((await store().listCommandLog("CP-1", 1))[0], answered);
    },
  );

  stationTest("the same store serves different stations without mixing their data", async ({ store }) => {
    await store().putChargePoint(chargePoint("CP-1"));
    await store().putChargePoint(chargePoint("CP-2", { lastSeen: at(7) }));
    await store().touchChargePoint("CP-1", at(9));
    assertEquals((await store().getChargePoint("CP-2"))?.lastSeen, at(7));
    assertNotEquals((await store().getChargePoint("CP-1"))?.lastSeen, at(7));
  });
}
