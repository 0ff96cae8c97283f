import { assertEquals } from "@std/assert";
import { station } from "../handlers/fakes.ts";
import { changeAvailability } from "./change_availability.ts";

const AT = "2026-05-01T10:00:00.000Z";

Deno.test("ChangeAvailability answered Scheduled is remembered per connector until another answer clears it", () => {
  const scheduled = changeAvailability.effect!(station(), { connectorId: 1, type: "Inoperative" }, {
    status: "Scheduled",
  }, AT);
  assertEquals(scheduled, {
    scheduledAvailability: [{ connectorId: 1, type: "Inoperative", requestedAt: AT }],
  });
  const pending = station({ scheduledAvailability: scheduled!.scheduledAvailability! });
  assertEquals(
    changeAvailability.effect!(pending, { connectorId: 1, type: "Operative" }, { status: "Accepted" }, AT),
    {
      scheduledAvailability: [],
    },
  );
  assertEquals(
    changeAvailability.effect!(pending, { connectorId: 2, type: "Operative" }, { status: "Accepted" }, AT),
    { scheduledAvailability: scheduled!.scheduledAvailability! },
  );
});

Deno.test("ChangeAvailability is refused (unless forced) for a connector the station has not reported", () => {
  const connector = (connectorId: number) => ({
    connectorId,
    status: "Available" as const,
    errorCode: "NoError" as const,
    timestamp: AT,
  });
  const two = station({ connectors: [connector(0), connector(1), connector(2)] });
  assertEquals(
    changeAvailability.guard!(two, { connectorId: 3, type: "Inoperative" }, new Date(AT)),
    "connector 3 is not one the station has reported (it has 1, 2)",
  );
  for (const connectorId of [0, 1, 2]) {
    assertEquals(changeAvailability.guard!(two, { connectorId, type: "Inoperative" }, new Date(AT)), null);
  }
  // Nothing reported yet: nothing to judge by.
  assertEquals(
    changeAvailability.guard!(
      station({ connectors: [] }),
      { connectorId: 3, type: "Operative" },
      new Date(AT),
    ),
    null,
  );
});
