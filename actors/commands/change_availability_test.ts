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
