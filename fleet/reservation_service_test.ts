import { assert, assertEquals, assertRejects } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { KvReservationStore } from "../store/kv/reservations.ts";
import { openKvStore } from "../store/kv/mod.ts";
import type { ReservationRecord } from "../store/fleet.ts";
import type { CommandLogEntry } from "../model/command_log.ts";
import { GIVEN_UP_REASON } from "../actors/errors.ts";
import type { CommandResult } from "./command_sender.ts";
import { FleetError } from "./errors.ts";
import { ReservationService, type ReservationServiceDeps, SETTLE_PAGE } from "./reservation_service.ts";

const NOW = new Date("2026-12-06T20:00:00.000Z");
const EXPIRY = "2026-12-06T21:00:00.000Z";

async function setUp(
  result: CommandResult,
  deps: Partial<Pick<ReservationServiceDeps, "send" | "snapshotOf" | "commandLog">> = {},
) {
  const kv = await Deno.openKv(":memory:");
  const reservations = new KvReservationStore(kv);
  const published: ReservationRecord[] = [];
  const service = new ReservationService({
    reservations,
    send: deps.send ?? (() => Promise.resolve(result)),
    registry: {
      isConnected: () => true,
      get: () => ({ snapshot: { id: "CP-1", connectors: [], evses: [], ocppVersion: "ocpp2.0.1" } }) as never,
    },
    snapshotOf: deps.snapshotOf ?? (() => Promise.resolve(null)),
    events: {
      publish: (e: { reservation?: ReservationRecord }) => e.reservation && published.push(e.reservation),
    } as never,
    parentOf: () => Promise.resolve(null),
    flags: { addFlag: () => Promise.resolve(true) },
    commandLog: deps.commandLog ?? (() => Promise.resolve([])),
    now: () => NOW,
    logger: createMemoryLogger(),
  });
  return { kv, reservations, service, published };
}

/** The ledger's active reservation `id` of connector 1 for OWNER, made by olga at NOW. */
const activeReservation = (id: number, chargePointId: string, unconfirmed: boolean): ReservationRecord => ({
  reservationId: id,
  chargePointId,
  connectorId: 1,
  idTag: "OWNER",
  parentIdTag: null,
  expiryDate: EXPIRY,
  state: "active",
  createdBy: "user:olga",
  createdAt: NOW.toISOString(),
  endedAt: null,
  endReason: null,
  transactionId: null,
  unconfirmed,
});

/** What the fleet sent a 2.0.1 station for reservation `id` (fleet/ocpp201_commands.ts `reserveNow201`). */
const reserveNow201 = (id: number, evseId = 1) => ({
  id,
  evseId,
  expiryDateTime: EXPIRY,
  idToken: { idToken: "OWNER", type: "Central" },
});

Deno.test("ReservationService holds a ReserveNow that timed out; a 2.0.1 station's late answer keeps or ends it", async () => {
  const t = await setUp({ outcome: "timeout", response: null });
  try {
    const make = async () => {
      const error = (await assertRejects(
        () =>
          t.service.create({
            chargePointId: "CP-1",
            connectorId: 1,
            idTag: "OWNER",
            expiryDate: EXPIRY,
            force: true,
          }, "user:olga"),
        FleetError,
      )) as FleetError;
      assertEquals([error.kind, error.details.held], ["station_timeout", true]);
      return error.details.reservationId as number;
    };
    const late = (
      id: number,
      response: unknown,
      callError: { errorCode: string } | null = null,
      request = reserveNow201(id),
    ) =>
      t.service.commandAnswered({
        chargePointId: "CP-1",
        action: "ReserveNow",
        request,
        response,
        callError,
        requestedBy: "user:olga",
        dialect: "ocpp2.0.1",
        late: true,
      });
    const kept = await make();
    assertEquals((await t.reservations.getReservation(kept))?.state, "active");
    await late(kept, { status: "Accepted" });
    assertEquals((await t.reservations.getReservation(kept))?.state, "active");
    // Another reservation's content under that id (a raw command) is not the ledger's.
    await late(kept, { status: "Rejected" }, null, reserveNow201(kept, 2));
    assertEquals((await t.reservations.getReservation(kept))?.state, "active");

    const refused = await make();
    await late(refused, { status: "Occupied" });
    assertEquals((await t.reservations.getReservation(refused))?.state, "cancelled");
    const errored = await make();
    await late(errored, null, { errorCode: "InternalError" });
    const ended = await t.reservations.getReservation(errored);
    assertEquals([ended?.state, ended?.endReason], [
      "cancelled",
      "not held: the station answered ReserveNow with a CALLERROR (InternalError) after its timeout",
    ]);
  } finally {
    t.kv.close();
  }
});

Deno.test("ReservationService ends a hold whose station refused it late before the hold was written", async () => {
  // The node holding the station writes the hold into its snapshot with the timeout and takes it out with the
  // late refusal, which it tells the ledger, before the node that sent the ReserveNow writes the ledger's hold
  // (its timeout's reply still on its way): the ledger had nothing to end then.
  let reservations: { reservationId: number }[] = [];
  let refuseFirst = true;
  // deno-lint-ignore prefer-const
  let t: Awaited<ReturnType<typeof setUp>>;
  t = await setUp({ outcome: "timeout", response: null }, {
    send: async (request) => {
      const id = (request.payload as { reservationId: number }).reservationId;
      reservations = [{ reservationId: id }];
      if (refuseFirst) {
        reservations = [];
        await t.service.commandAnswered({
          chargePointId: "CP-1",
          action: "ReserveNow",
          request: request.payload,
          response: { status: "Occupied" },
          callError: null,
          requestedBy: "user:olga",
          dialect: "ocpp1.6",
          late: true,
        });
      }
      return { outcome: "timeout", response: null };
    },
    snapshotOf: () => Promise.resolve({ id: "CP-1", reservations } as never),
  });
  const reserve = async () =>
    (await assertRejects(
      () =>
        t.service.create(
          { chargePointId: "CP-1", connectorId: 1, idTag: "OWNER", expiryDate: EXPIRY, force: true },
          "user:olga",
        ),
      FleetError,
    )) as FleetError;
  try {
    const refused = await reserve();
    assertEquals([refused.kind, refused.details.held], ["station_timeout", false], refused.message);
    const ended = await t.reservations.getReservation(refused.details.reservationId as number);
    assertEquals([ended?.state, ended?.endReason], [
      "cancelled",
      "not held: the station refused ReserveNow after its timeout, before its hold was recorded",
    ]);
    // Not answered yet: its snapshot still holds it, and so does the ledger.
    refuseFirst = false;
    const unanswered = await reserve();
    assertEquals([unanswered.kind, unanswered.details.held], ["station_timeout", true]);
    const held = await t.reservations.getReservation(unanswered.details.reservationId as number);
    assertEquals(held?.state, "active");
  } finally {
    t.kv.close();
  }
});

Deno.test("ReservationService settles a given-up hold by what the station's node answered before it was written", async () => {
  // Node B gave up on the ReserveNow (`CommandGivenUpError`) while node A, holding the station, still had it;
  // the station's answer came in time for A, which stored the command's row and told the ledger before B
  // wrote its hold: the ledger had nothing to settle then, so B reads the row after writing the hold.
  let row: Omit<CommandLogEntry, "payload"> | null = null;
  // deno-lint-ignore prefer-const
  let t: Awaited<ReturnType<typeof setUp>>;
  let commandLog: CommandLogEntry[] = [];
  t = await setUp({ outcome: "timeout", response: null }, {
    send: async (request) => {
      commandLog = row ? [{ ...row, payload: request.payload }] : [];
      if (row?.outcome === "accepted") {
        await t.service.commandAnswered({
          chargePointId: "CP-1",
          action: "ReserveNow",
          request: request.payload,
          response: row.response,
          callError: null,
          requestedBy: "user:olga",
          dialect: "ocpp1.6",
          late: false,
        });
      }
      return { outcome: "timeout", response: { reason: GIVEN_UP_REASON } };
    },
    commandLog: () => Promise.resolve(commandLog),
  });
  const settledRow = (outcome: CommandLogEntry["outcome"], response: unknown) => ({
    id: "c1",
    chargePointId: "CP-1",
    action: "ReserveNow",
    requestedBy: "user:olga",
    requestedAt: NOW.toISOString(),
    outcome,
    response,
    finishedAt: NOW.toISOString(),
  });
  const reserve = async () => {
    const error = (await assertRejects(
      () =>
        t.service.create(
          { chargePointId: "CP-1", connectorId: 1, idTag: "OWNER", expiryDate: EXPIRY, force: true },
          "user:olga",
        ),
      FleetError,
    )) as FleetError;
    const record = await t.reservations.getReservation(error.details.reservationId as number);
    return { held: error.details.held, state: record?.state, unconfirmed: record?.unconfirmed };
  };
  try {
    row = settledRow("accepted", { status: "Occupied" });
    assertEquals(await reserve(), { held: false, state: "cancelled", unconfirmed: true });
    row = settledRow("accepted", { status: "Accepted" });
    assertEquals(await reserve(), { held: true, state: "active", unconfirmed: false });
    // Never sent: node A's guard refused it after B gave up.
    row = settledRow("refused", { reason: "connector 1 already holds reservation 9" });
    assertEquals(await reserve(), { held: false, state: "cancelled", unconfirmed: true });
    // Still on its way (or its row not stored yet): held, unconfirmed, until its answer is told.
    row = { ...settledRow("sending", null), finishedAt: null };
    assertEquals(await reserve(), { held: true, state: "active", unconfirmed: true });
    row = null;
    assertEquals(await reserve(), { held: true, state: "active", unconfirmed: true });
  } finally {
    t.kv.close();
  }
});

Deno.test("ReservationService's sweep settles an unconfirmed hold by the row its station's node stored after it", async () => {
  // Node B gave up on the ReserveNow and held it, A's row still `sending`; A settled the row later: its guard
  // refused the ReserveNow in its turn, or the station accepted it and telling the ledger failed.
  let sent: Record<string, unknown> = {};
  let rows: CommandLogEntry[] = [];
  const t = await setUp({ outcome: "timeout", response: null }, {
    send: (request) => {
      sent = request.payload as Record<string, unknown>;
      return Promise.resolve({ outcome: "timeout", response: { reason: GIVEN_UP_REASON } });
    },
    commandLog: () => Promise.resolve(rows),
  });
  const row = (
    outcome: CommandLogEntry["outcome"],
    response: unknown,
    payload: Record<string, unknown> = sent,
  ): CommandLogEntry => ({
    id: crypto.randomUUID(),
    chargePointId: "CP-1",
    action: "ReserveNow",
    payload,
    requestedBy: "user:olga",
    requestedAt: NOW.toISOString(),
    outcome,
    response,
    finishedAt: NOW.toISOString(),
  });
  const hold = async () => {
    rows = [];
    const error = (await assertRejects(
      () =>
        t.service.create(
          { chargePointId: "CP-1", connectorId: 1, idTag: "OWNER", expiryDate: EXPIRY, force: true },
          "user:olga",
        ),
      FleetError,
    )) as FleetError;
    assertEquals(error.details.held, true);
    rows = [row("sending", null)];
    return error.details.reservationId as number;
  };
  const record = (id: number) => t.reservations.getReservation(id);
  try {
    const refused = await hold();
    assertEquals(await t.service.settleUnconfirmed(), 0, "still sending: held");
    rows = [row("refused", { reason: "connector 1 already holds reservation 9" })];
    assertEquals(await t.service.settleUnconfirmed(), 1);
    const ended = await record(refused);
    assertEquals([ended?.state, ended?.unconfirmed], ["cancelled", true]);
    assertEquals(
      ended?.endReason,
      "not held: the station's node settled ReserveNow never sent (refused) after its hold was recorded",
    );

    const accepted = await hold();
    rows = [row("accepted", { status: "Accepted" })];
    assertEquals(await t.service.settleUnconfirmed(), 1);
    assertEquals([(await record(accepted))?.state, (await record(accepted))?.unconfirmed], ["active", false]);

    // Its own row unanswered after a timeout, and a raw one under its id refused since: the station may still
    // hold the first, whatever it answered the other (of other content, or the same).
    const unknown = await hold();
    const timedOut = row("timeout", null);
    for (const raw of [{ ...sent, connectorId: 2 }, sent]) {
      rows = [row("accepted", { status: "Rejected" }, raw), timedOut];
      assertEquals(await t.service.settleUnconfirmed(), 0);
      assertEquals([(await record(unknown))?.state, (await record(unknown))?.unconfirmed], ["active", true]);
    }
  } finally {
    t.kv.close();
  }
});

Deno.test("ReservationService's sweep finds a hold's ReserveNow row behind 150 newer commands of its station", async () => {
  // A busy station: its node's guard refused the ReserveNow in its turn (never sent), then the station got many
  // other commands before the sweep's round, more than its newest page of rows holds.
  const store = await openKvStore(":memory:");
  let sent: Record<string, unknown> = {};
  const t = await setUp({ outcome: "timeout", response: null }, {
    send: (request) => {
      sent = request.payload as Record<string, unknown>;
      return Promise.resolve({ outcome: "timeout", response: { reason: GIVEN_UP_REASON } });
    },
    commandLog: (id, action, since, limit) => store.listCommandLogSince(id, action, since, limit),
  });
  const logged = (
    id: string,
    seconds: number,
    action: string,
    payload: unknown,
    outcome: "refused" | "accepted",
  ) =>
    store.appendCommandLog({
      id,
      chargePointId: "CP-1",
      action,
      payload,
      requestedBy: "user:olga",
      requestedAt: new Date(NOW.getTime() + seconds * 1000).toISOString(),
      outcome,
      response: outcome === "refused"
        ? { reason: "connector 1 already holds reservation 9" }
        : { status: "Accepted" },
      finishedAt: new Date(NOW.getTime() + seconds * 1000 + 10).toISOString(),
    });
  try {
    const error = (await assertRejects(
      () =>
        t.service.create(
          { chargePointId: "CP-1", connectorId: 1, idTag: "OWNER", expiryDate: EXPIRY, force: true },
          "user:olga",
        ),
      FleetError,
    )) as FleetError;
    const reservationId = error.details.reservationId as number;
    assertEquals(error.details.held, true);
    await logged("reserve-now", 0, "ReserveNow", sent, "refused");
    for (let i = 1; i <= 150; i++) {
      await logged(`busy-${i}`, i, "GetConfiguration", { key: ["HeartbeatInterval"] }, "accepted");
    }

    assertEquals(await t.service.settleUnconfirmed(), 1);
    const ended = await t.reservations.getReservation(reservationId);
    assertEquals([ended?.state, ended?.endReason], [
      "cancelled",
      "not held: the station's node settled ReserveNow never sent (refused) after its hold was recorded",
    ]);
  } finally {
    t.kv.close();
    await store.close();
  }
});

Deno.test("ReservationService's sweep asks about many unconfirmed holds a page a round, each in its turn", async () => {
  // 1,000 stations after an outage, each with a ReserveNow nobody answered: the station of the last one never
  // got it (its node's guard refused it), which only the sweep can tell the ledger.
  const HOLDS = 1000;
  const asked: string[] = [];
  const neverSent = (id: number): CommandLogEntry => ({
    id: `row-${id}`,
    chargePointId: `CP-${id}`,
    action: "ReserveNow",
    payload: { connectorId: 1, expiryDate: EXPIRY, idTag: "OWNER", reservationId: id },
    requestedBy: "user:olga",
    requestedAt: NOW.toISOString(),
    outcome: "refused",
    response: { reason: "connector 1 already holds reservation 9" },
    finishedAt: NOW.toISOString(),
  });
  const t = await setUp({ outcome: "timeout", response: null }, {
    commandLog: (chargePointId) => {
      asked.push(chargePointId);
      return Promise.resolve(chargePointId === `CP-${HOLDS}` ? [neverSent(HOLDS)] : []);
    },
  });
  try {
    for (let id = 1; id <= HOLDS; id++) {
      await t.reservations.createReservation(activeReservation(id, `CP-${id}`, true));
    }
    const rounds = Math.ceil(HOLDS / SETTLE_PAGE);
    let settled = 0;
    for (let round = 1; round <= rounds; round++) {
      asked.length = 0;
      settled += await t.service.settleUnconfirmed();
      assert(asked.length <= SETTLE_PAGE, `round ${round} read the command log of ${asked.length} stations`);
    }
    assertEquals(settled, 1, `the last hold settled within ${rounds} rounds`);
    const last = await t.reservations.getReservation(HOLDS);
    assertEquals([last?.state, last?.endReason], [
      "cancelled",
      "not held: the station's node settled ReserveNow never sent (refused) after its hold was recorded",
    ]);
    // Then from the start again: the first holds' turn comes back.
    asked.length = 0;
    await t.service.settleUnconfirmed();
    assertEquals(asked[0], "CP-1");
  } finally {
    t.kv.close();
  }
});

Deno.test("ReservationService takes the content a 2.0.1 station accepted under a reservation's id", async () => {
  const t = await setUp({ outcome: "accepted", response: { status: "Accepted" } });
  try {
    const made = await t.service.create(
      { chargePointId: "CP-1", connectorId: 1, idTag: "OWNER", expiryDate: EXPIRY, force: true },
      "user:olga",
    );
    const answered = (request: unknown, status: string) =>
      t.service.commandAnswered({
        chargePointId: "CP-1",
        action: "ReserveNow",
        request,
        response: { status },
        callError: null,
        requestedBy: "user:olga",
        dialect: "ocpp2.0.1",
        late: false,
      });
    const moved = {
      ...reserveNow201(made.reservationId, 2),
      idToken: { idToken: "OTHER", type: "Central" },
      groupIdToken: { idToken: "GROUP", type: "Central" },
    };
    await answered(moved, "Rejected");
    assertEquals((await t.reservations.getReservation(made.reservationId))?.connectorId, 1, "refused: kept");
    await answered(moved, "Accepted");
    const r = await t.reservations.getReservation(made.reservationId);
    assertEquals([r?.state, r?.connectorId, r?.idTag, r?.parentIdTag, r?.unconfirmed], [
      "active",
      2,
      "OTHER",
      "GROUP",
      false,
    ]);
    assertEquals(t.published.at(-1)?.connectorId, 2, "the change is published");
  } finally {
    t.kv.close();
  }
});

Deno.test("ReservationService does not settle a given-up hold by an older ReserveNow row that reused its id", async () => {
  // An operator's raw ReserveNow under the same id, for another connector and driver, was Rejected before;
  // this hold's own row is not stored yet (node A has yet to send it): the hold stands, unconfirmed.
  let commandLog: CommandLogEntry[] = [];
  const t = await setUp({ outcome: "timeout", response: null }, {
    send: (request) => {
      const payload = request.payload as Record<string, unknown>;
      commandLog = [{
        id: "raw-1",
        chargePointId: "CP-1",
        action: "ReserveNow",
        requestedBy: "user:raw",
        requestedAt: "2026-12-06T10:00:00.000Z",
        payload: {
          ...payload,
          connectorId: 2,
          idTag: "SOMEONE-ELSE",
          expiryDate: "2026-12-06T11:00:00.000Z",
        },
        outcome: "accepted",
        response: { status: "Rejected" },
        finishedAt: "2026-12-06T10:00:01.000Z",
      }];
      return Promise.resolve({ outcome: "timeout", response: { reason: GIVEN_UP_REASON } });
    },
    commandLog: () => Promise.resolve(commandLog),
  });
  try {
    const error = (await assertRejects(
      () =>
        t.service.create(
          { chargePointId: "CP-1", connectorId: 1, idTag: "OWNER", expiryDate: EXPIRY, force: true },
          "user:olga",
        ),
      FleetError,
    )) as FleetError;
    const record = await t.reservations.getReservation(error.details.reservationId as number);
    assertEquals(
      { held: error.details.held, state: record?.state, unconfirmed: record?.unconfirmed },
      { held: true, state: "active", unconfirmed: true },
    );
  } finally {
    t.kv.close();
  }
});

/** What the station said of reservation `id` on its node: removed it (2.0.1), or a start of OWNER named it (1.6). */
const removed = (id: number) => ({
  type: "reservationStatus" as const,
  chargePointId: "CP-1",
  at: NOW.toISOString(),
  reservationId: id,
  status: "Removed",
});
const startNaming = (id: number) => ({
  type: "transaction" as const,
  chargePointId: "CP-1",
  at: NOW.toISOString(),
  transaction: {
    transactionId: 77,
    chargePointId: "CP-1",
    connectorId: 1,
    idTag: "OWNER",
    reservationId: id,
    status: "active",
    createdAt: NOW.toISOString(),
  } as never,
});

/**
 * A ReserveNow asked here whose station says `word` of it before its Accepted comes back (`before`) or after
 * (the station's node read the ledger before this node recorded it): `tell` hands the word to the service.
 */
async function wordAroundAccepted(
  word: (id: number) => ReturnType<typeof removed> | ReturnType<typeof startNaming>,
  tell: (service: ReservationService, event: ReturnType<typeof word>) => Promise<void>,
  before: boolean,
): Promise<ReservationRecord | null> {
  let id = 0;
  // deno-lint-ignore prefer-const
  let t: Awaited<ReturnType<typeof setUp>>;
  t = await setUp({ outcome: "accepted", response: { status: "Accepted" } }, {
    send: async (request) => {
      id = (request.payload as { reservationId: number }).reservationId;
      if (before) await tell(t.service, word(id));
      return { outcome: "accepted", response: { status: "Accepted" } };
    },
  });
  try {
    const made = await t.service.create(
      { chargePointId: "CP-1", connectorId: 1, idTag: "OWNER", expiryDate: EXPIRY, force: true },
      "user:olga",
    );
    assertEquals(made.reservationId, id);
    if (!before) await tell(t.service, word(id));
    return await t.reservations.getReservation(id);
  } finally {
    t.kv.close();
  }
}

Deno.test("ReservationService ends a reservation another node's station removed, before or after its Accepted came back here", async () => {
  for (const before of [true, false]) {
    const r = await wordAroundAccepted(removed, (s, e) => s.otherNodeEvent(e), before);
    assertEquals([r?.state, r?.endReason], [
      "cancelled",
      "the station reported it Removed (ReservationStatusUpdate)",
    ], `before: ${before}`);
  }
});

Deno.test("ReservationService ends used a reservation a start named before its Accepted came back, on any node", async () => {
  const tellers = {
    "this node": (s: ReservationService, e: ReturnType<typeof startNaming>) => s.stationEvent(e),
    "another node": (s: ReservationService, e: ReturnType<typeof startNaming>) => s.otherNodeEvent(e),
  };
  for (const [where, tell] of Object.entries(tellers)) {
    for (const before of [true, false]) {
      const r = await wordAroundAccepted(startNaming, tell as never, before);
      assertEquals([r?.state, r?.transactionId], ["used", 77], `${where}, before: ${before}`);
    }
  }
});

Deno.test("ReservationService hears another node's station only about the reservations asked here", async () => {
  const t = await setUp({ outcome: "accepted", response: { status: "Accepted" } });
  try {
    assert(await t.reservations.createReservation(activeReservation(5, "CP-1", false)));
    // The station's node ends it itself: this node does not read the ledger for it too.
    await t.service.otherNodeEvent(removed(5));
    assertEquals((await t.reservations.getReservation(5))?.state, "active");
  } finally {
    t.kv.close();
  }
});
