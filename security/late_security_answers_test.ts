import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { openKvStationSecurityStore } from "../store/kv/station_security.ts";
import type { StationSecurityRecord } from "../store/station_security.ts";
import { type LateSecurityAnswer, settleLateSecurityAnswer } from "./late_security_answers.ts";
import { SecurityEventLog } from "./security_events.ts";
import { raiseAsked } from "./security_profile_raise.ts";
import { hashAuthorizationKey } from "./station_gate.ts";

const T0 = "2026-05-01T10:00:00.000Z";
const T1 = "2026-05-01T10:00:05.000Z";
const KEY = "a-new-key-of-16-chars";

function record(extra: Partial<StationSecurityRecord> = {}): StationSecurityRecord {
  return {
    chargePointId: "CP-1",
    securityProfile: 1,
    authorizationKeyHash: "current",
    allowedIps: [],
    updatedBy: "user:root",
    createdAt: T0,
    updatedAt: T0,
    ...extra,
  };
}

/** `raisedSince`: the `since` of the raise the command carried (`raiseAsked`), if any. */
function answer(action: string, request: unknown, status: string, raisedSince = T0): LateSecurityAnswer {
  return {
    chargePointId: "CP-1",
    action,
    request,
    response: { status },
    requestedBy: "user:root",
    recordsAsked: raiseAsked({ profile: 2, since: raisedSince }),
  };
}

async function withDeps(fn: (deps: Parameters<typeof settleLateSecurityAnswer>[0]) => Promise<void>) {
  const store = await openKvStationSecurityStore(":memory:");
  const events = new SecurityEventLog(createMemoryLogger(), () => new Date(T1));
  try {
    await fn({ store, events, now: () => new Date(T1), pendingKeyTtlMs: 3_600_000 });
  } finally {
    await events.close();
    await store.close();
  }
}

Deno.test("settleLateSecurityAnswer() takes a key accepted late, forgets one refused, keeps one to reboot for", async () => {
  await withDeps(async (deps) => {
    const hash = await hashAuthorizationKey(KEY);
    const pending = record({ pendingAuthorizationKeys: [{ hash, since: T0 }] });
    const sent = { key: "AuthorizationKey", value: KEY };

    await deps.store.put(pending);
    await settleLateSecurityAnswer(deps, answer("ChangeConfiguration", sent, "RebootRequired"));
    assertEquals(await deps.store.get("CP-1"), pending);

    await settleLateSecurityAnswer(deps, answer("ChangeConfiguration", sent, "Accepted"));
    assertEquals(await deps.store.get("CP-1"), record({ authorizationKeyHash: hash, updatedAt: T1 }));

    await deps.store.put(pending);
    await settleLateSecurityAnswer(deps, answer("ChangeConfiguration", sent, "Rejected"));
    assertEquals(await deps.store.get("CP-1"), record({ updatedAt: T1 }));

    // Another key's answer settles nothing.
    await deps.store.put(pending);
    const other = { key: "AuthorizationKey", value: "another-key-16-chars" };
    await settleLateSecurityAnswer(deps, answer("ChangeConfiguration", other, "Accepted"));
    assertEquals(await deps.store.get("CP-1"), pending);
  });
});

Deno.test("settleLateSecurityAnswer() forgets a raise refused late, not one stored after it was asked or accepted", async () => {
  await withDeps(async (deps) => {
    const raised = record({ pendingSecurityProfile: { profile: 2, since: T0 } });
    const sent = { key: "SecurityProfile", value: "2" };
    await deps.store.put(raised);
    await settleLateSecurityAnswer(deps, answer("ChangeConfiguration", sent, "Accepted"));
    assertEquals(await deps.store.get("CP-1"), raised, "accepted: pending until it connects meeting 2");

    // The operator sent 2 again after the refused command was asked: that raise is not this answer's, even
    // when the node that stored it has its clock behind the one that stored the first (an earlier `since`).
    await settleLateSecurityAnswer(
      deps,
      answer("ChangeConfiguration", sent, "Rejected", "2026-05-01T10:00:01.000Z"),
    );
    assertEquals(await deps.store.get("CP-1"), raised);
    await settleLateSecurityAnswer(deps, {
      ...answer("ChangeConfiguration", sent, "Rejected"),
      recordsAsked: null,
    });
    assertEquals(await deps.store.get("CP-1"), raised, "a command that carried no raise");
    await settleLateSecurityAnswer(deps, answer("ChangeConfiguration", { ...sent, value: "3" }, "Rejected"));
    assertEquals(await deps.store.get("CP-1"), raised, "another profile's answer");

    await settleLateSecurityAnswer(deps, answer("ChangeConfiguration", sent, "Rejected"));
    assertEquals(await deps.store.get("CP-1"), record({ updatedAt: T1 }));
  });
});
