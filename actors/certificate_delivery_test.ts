import { assertEquals } from "@std/assert";
import { deliveryOf } from "./certificate_delivery.ts";
import {
  AnswerLostError,
  CallErrorResponse,
  CallTimeoutError,
  InvalidResponseError,
  NotConnectedError,
} from "./errors.ts";

Deno.test("deliveryOf() counts only an Accepted answer as installed", async () => {
  assertEquals(await deliveryOf(Promise.resolve({ status: "Accepted" })), {
    delivery: "accepted",
    detail: null,
  });
  assertEquals(await deliveryOf(Promise.resolve({ status: "Rejected" })), {
    delivery: "rejected",
    detail: 'The station answered "Rejected"',
  });
});

Deno.test("deliveryOf() calls a CALLERROR or an invalid answer rejected, and no answer undelivered", async () => {
  const outcome = (error: Error) => deliveryOf(Promise.reject(error)).then((o) => o.delivery);
  assertEquals(
    await outcome(new CallErrorResponse("CP-1", "CertificateSigned", "NotSupported", "no", {})),
    "rejected",
  );
  assertEquals(
    await outcome(new InvalidResponseError("CP-1", "CertificateSigned", "status missing")),
    "rejected",
  );
  assertEquals(await outcome(new NotConnectedError("CP-1", "CertificateSigned")), "undelivered");
  assertEquals(await outcome(new CallTimeoutError("CP-1", "CertificateSigned", 30_000)), "undelivered");
  assertEquals(await outcome(new AnswerLostError("CP-1", "CertificateSigned")), "undelivered");
  assertEquals(await deliveryOf(Promise.reject(new CallTimeoutError("CP-1", "CertificateSigned", 30_000))), {
    delivery: "undelivered",
    detail: '"CP-1" did not answer "CertificateSigned" within 30000 ms',
  });
});
