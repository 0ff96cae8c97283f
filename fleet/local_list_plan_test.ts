import { assertEquals } from "@std/assert";
import type { IdTagRecord } from "../model/id_tag.ts";
import type { LocalListChange } from "../store/fleet.ts";
import { type LocalListPlanInput, planLocalList } from "./local_list_plan.ts";

const AT = "2026-01-01T00:00:00.000Z";
const tag = (idTag: string, overrides: Partial<IdTagRecord> = {}): IdTagRecord => ({
  idTag,
  status: "Accepted",
  expiryDate: null,
  parentIdTag: null,
  ...overrides,
});
const change = (version: number, idTag: string, op: "upsert" | "remove" = "upsert"): LocalListChange => ({
  version,
  idTag,
  op,
  at: AT,
});

function input(overrides: Partial<LocalListPlanInput> = {}): LocalListPlanInput {
  return {
    stationVersion: 5,
    knownVersion: 5,
    currentVersion: 5,
    members: new Map([["A", tag("A")], [
      "B",
      tag("B", { status: "Blocked", expiryDate: AT, parentIdTag: "P" }),
    ]]),
    changes: [],
    maxListLength: null,
    maxSendLength: null,
    ...overrides,
  };
}

Deno.test("planLocalList() sends nothing to a station holding the current version", () => {
  assertEquals(planLocalList(input()), { kind: "up_to_date" });
});

Deno.test("planLocalList() leaves stations alone while no list was ever managed", () => {
  assertEquals(planLocalList(input({ currentVersion: 0, knownVersion: null, members: new Map() })), {
    kind: "not_managed",
  });
});

Deno.test("planLocalList() sends only the changed tags as a Differential, removals without idTagInfo", () => {
  const plan = planLocalList(input({
    currentVersion: 8,
    changes: [change(6, "A"), change(7, "C", "remove"), change(8, "A")],
  }));
  assertEquals(plan, {
    kind: "send",
    updateType: "Differential",
    version: 8,
    messages: [{
      listVersion: 8,
      updateType: "Differential",
      localAuthorizationList: [{ idTag: "C" }, { idTag: "A", idTagInfo: { status: "Accepted" } }],
    }],
  });
});

Deno.test("planLocalList() matches changes to members in any case: a tag changed in two spellings is one entry", () => {
  // A log written before members were case-insensitive: "A" and "a" were both put on the list, "b" was taken
  // off while "B" stayed; the dedupe kept "A" and "B".
  const plan = planLocalList(input({
    currentVersion: 9,
    changes: [change(6, "A"), change(7, "a"), change(8, "b", "remove"), change(9, "C", "remove")],
  }));
  assertEquals(plan, {
    kind: "send",
    updateType: "Differential",
    version: 9,
    messages: [{
      listVersion: 9,
      updateType: "Differential",
      localAuthorizationList: [
        { idTag: "A", idTagInfo: { status: "Accepted" } },
        { idTag: "B", idTagInfo: { status: "Blocked", expiryDate: AT, parentIdTag: "P" } },
        { idTag: "C" },
      ],
    }],
  });
});

Deno.test("planLocalList() sends a Full list on a version mismatch, with each tag's idTagInfo", () => {
  const plan = planLocalList(input({ stationVersion: 2, currentVersion: 6, changes: [change(6, "A")] }));
  assertEquals(plan, {
    kind: "send",
    updateType: "Full",
    version: 6,
    messages: [{
      listVersion: 6,
      updateType: "Full",
      localAuthorizationList: [
        { idTag: "A", idTagInfo: { status: "Accepted" } },
        { idTag: "B", idTagInfo: { status: "Blocked", expiryDate: AT, parentIdTag: "P" } },
      ],
    }],
  });
});

Deno.test("planLocalList() sends Full when we do not know the station's version or lost the changes", () => {
  assertEquals((planLocalList(input({ knownVersion: null })) as { updateType: string }).updateType, "Full");
  assertEquals(
    (planLocalList(input({ currentVersion: 9, changes: null })) as { updateType: string }).updateType,
    "Full",
  );
  assertEquals((planLocalList(input({ full: true })) as { updateType: string }).updateType, "Full");
});

Deno.test("planLocalList() splits by SendLocalListMaxLength: Differential chunks carry their last change's version", () => {
  const plan = planLocalList(input({
    currentVersion: 12,
    maxSendLength: 2,
    changes: [change(6, "A"), change(7, "B"), change(9, "X", "remove"), change(12, "Y", "remove")],
  }));
  assertEquals(
    plan.kind === "send"
      ? plan.messages.map((m) => [m.listVersion, m.localAuthorizationList.map((e) => e.idTag)])
      : [],
    [[7, ["A", "B"]], [12, ["X", "Y"]]],
  );
});

Deno.test("planLocalList() splits a Full list into one Full and Differentials with versions up to the final one", () => {
  const members = new Map(["A", "B", "C", "D", "E"].map((t) => [t, tag(t)] as const));
  const plan = planLocalList(input({ knownVersion: null, currentVersion: 9, members, maxSendLength: 2 }));
  assertEquals(
    plan.kind === "send"
      ? plan.messages.map((m) => [m.updateType, m.listVersion, m.localAuthorizationList.length])
      : [],
    [["Full", 7, 2], ["Differential", 8, 2], ["Differential", 9, 1]],
  );
});

Deno.test("planLocalList() takes a station's empty list (version 0) as right when no tag is on the list", () => {
  assertEquals(
    planLocalList(input({ stationVersion: 0, knownVersion: 4, currentVersion: 6, members: new Map() })),
    {
      kind: "up_to_date",
    },
  );
  assertEquals(
    (planLocalList(input({ stationVersion: 0, knownVersion: null, currentVersion: 6 })) as {
      updateType: string;
    })
      .updateType,
    "Full",
  );
});

Deno.test("planLocalList() refuses a list longer than LocalAuthListMaxLength", () => {
  assertEquals(planLocalList(input({ currentVersion: 6, maxListLength: 1 })), {
    kind: "too_large",
    size: 2,
    max: 1,
  });
});

Deno.test("planLocalList() removes a member whose id tag was deleted, and leaves it out of a Full list", () => {
  const members = new Map([["A", tag("A")], ["GONE", null]]);
  const diff = planLocalList(input({ currentVersion: 6, members, changes: [change(6, "GONE")] }));
  assertEquals(diff.kind === "send" ? diff.messages[0]?.localAuthorizationList : null, [{ idTag: "GONE" }]);
  const full = planLocalList(input({ knownVersion: null, currentVersion: 6, members }));
  assertEquals(full.kind === "send" ? full.messages[0]?.localAuthorizationList.map((e) => e.idTag) : null, [
    "A",
  ]);
});
