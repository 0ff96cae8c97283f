import { assertEquals } from "@std/assert";
import {
  applySendLocalList,
  decideSwipe,
  effectiveStatus,
  EMPTY_LIST,
  type LocalList,
  type LocalListLimits,
  localListVersion,
  type SwipeSettings,
} from "./authorization.ts";

const LIMITS: LocalListLimits = { enabled: true, maxLength: 3, sendMaxLength: 2 };
const ACCEPTED = { status: "Accepted" } as const;

function full(version: number, tags: string[]): LocalList {
  const result = applySendLocalList(EMPTY_LIST, {
    listVersion: version,
    updateType: "Full",
    localAuthorizationList: tags.map((idTag) => ({ idTag, idTagInfo: ACCEPTED })),
  }, { ...LIMITS, sendMaxLength: 10 });
  return result.list;
}

Deno.test("a Full update replaces the list and sets its version", () => {
  const result = applySendLocalList(full(3, ["OLD"]), {
    listVersion: 2,
    updateType: "Full",
    localAuthorizationList: [{ idTag: "Tag-A", idTagInfo: ACCEPTED }, {
      idTag: "TAG-B",
      idTagInfo: { status: "Blocked" },
    }],
  }, LIMITS);
  assertEquals(result.status, "Accepted");
  assertEquals(result.list.version, 2);
  assertEquals([...result.list.entries.keys()], ["tag-a", "tag-b"]);
});

Deno.test("a Differential update adds, changes and removes, and needs a higher version", () => {
  const base = full(5, ["A", "B"]);
  const result = applySendLocalList(base, {
    listVersion: 6,
    updateType: "Differential",
    localAuthorizationList: [{ idTag: "a" }, { idTag: "C", idTagInfo: { status: "Blocked" } }],
  }, LIMITS);
  assertEquals(result.status, "Accepted");
  assertEquals([...result.list.entries].map(([k, v]) => [k, v.status]), [["b", "Accepted"], [
    "c",
    "Blocked",
  ]]);
  for (const version of [5, 4]) {
    const stale = applySendLocalList(base, { listVersion: version, updateType: "Differential" }, LIMITS);
    assertEquals(stale, { status: "VersionMismatch", list: base });
  }
});

Deno.test("SendLocalList fails beyond the size limits or without idTagInfo in a Full update, and is NotSupported when off", () => {
  const three = [{ idTag: "A", idTagInfo: ACCEPTED }, { idTag: "B", idTagInfo: ACCEPTED }, {
    idTag: "C",
    idTagInfo: ACCEPTED,
  }];
  assertEquals(
    applySendLocalList(
      EMPTY_LIST,
      { listVersion: 1, updateType: "Full", localAuthorizationList: three },
      LIMITS,
    ).status,
    "Failed",
  );
  const grow = applySendLocalList(full(1, ["A", "B", "C"]), {
    listVersion: 2,
    updateType: "Differential",
    localAuthorizationList: [{ idTag: "D", idTagInfo: ACCEPTED }],
  }, LIMITS);
  assertEquals(grow.status, "Failed");
  assertEquals(
    applySendLocalList(EMPTY_LIST, {
      listVersion: 1,
      updateType: "Full",
      localAuthorizationList: [{ idTag: "A" }],
    }, LIMITS).status,
    "Failed",
  );
  assertEquals(
    applySendLocalList(EMPTY_LIST, { listVersion: 1, updateType: "Full" }, { ...LIMITS, enabled: false })
      .status,
    "NotSupported",
  );
});

Deno.test("localListVersion() is -1 when switched off and 0 when empty", () => {
  assertEquals(localListVersion(full(4, ["A"]), true), 4);
  assertEquals(localListVersion(full(4, []), true), 0);
  assertEquals(localListVersion(full(4, ["A"]), false), -1);
});

Deno.test("effectiveStatus() turns an Accepted idTag past its expiry into Expired", () => {
  const at = Date.parse("2030-01-01T00:00:00Z");
  assertEquals(effectiveStatus({ status: "Accepted", expiryDate: "2030-01-01T00:00:00Z" }, at), "Expired");
  assertEquals(effectiveStatus({ status: "Accepted", expiryDate: "2030-01-01T00:00:01Z" }, at), "Accepted");
  assertEquals(effectiveStatus({ status: "Blocked", expiryDate: "2020-01-01T00:00:00Z" }, at), "Blocked");
});

Deno.test("decideSwipe(): online asks unless pre-authorized; offline trusts list and cache, and unknown tags only if allowed", () => {
  const settings: SwipeSettings = {
    online: true,
    listEnabled: true,
    cacheEnabled: true,
    localPreAuthorize: false,
    localAuthorizeOffline: true,
    allowOfflineTxForUnknownId: false,
  };
  const list = full(1, ["LISTED"]);
  const cache = new Map([["cached", { status: "Blocked" as const }], ["listed", {
    status: "Blocked" as const,
  }]]);
  const decide = (tag: string, s: Partial<SwipeSettings>) =>
    decideSwipe(tag, list, cache, { ...settings, ...s }, 0).decision;
  assertEquals(decide("LISTED", {}), "ask");
  assertEquals(decide("LISTED", { localPreAuthorize: true }), "accept", "the list comes before the cache");
  assertEquals(decide("CACHED", { localPreAuthorize: true }), "ask");
  assertEquals(decide("LISTED", { online: false }), "accept");
  assertEquals(decide("CACHED", { online: false }), "reject");
  assertEquals(decide("UNKNOWN", { online: false }), "reject");
  assertEquals(decide("UNKNOWN", { online: false, allowOfflineTxForUnknownId: true }), "accept");
  assertEquals(decide("LISTED", { online: false, localAuthorizeOffline: false }), "reject");
  assertEquals(
    decide("LISTED", { online: false, listEnabled: false }),
    "reject",
    "then only the cache counts",
  );
});
