import { assertEquals, assertStringIncludes } from "@std/assert";
import { renderToString } from "preact-render-to-string";
import { StationFiles } from "./station_files.tsx";
import { Time, TzLabel } from "./time.tsx";
import type { IssuedCertificate } from "./types.ts";

const RECEIVED = "2026-12-07T18:38:47.123Z";
const UPLOADED = "2026-12-07T19:00:05.000Z";
const ISSUED = "2026-11-01T08:00:00.000Z";
const EXPIRES = "2027-11-01T08:00:00.000Z";

const certificate: IssuedCertificate = {
  serialNumber: "0a1b",
  chargePointId: "CP-1",
  subject: "CN=CP-1",
  key: "EC P-256",
  notBefore: ISSUED,
  notAfter: EXPIRES,
  fingerprintSha256: "ab",
  certificatePem: "",
  issuedAt: ISSUED,
  renewalRequestedAt: null,
  delivery: "accepted",
  deliveredAt: ISSUED,
  deliveryDetail: null,
  current: true,
  renewalUnanswered: 0,
  renewalRetryAt: null,
  redeliveredAt: null,
};

function html(): string {
  return renderToString(
    <StationFiles
      chargePointId="CP-1"
      history={{
        items: [{
          chargePointId: "CP-1",
          kind: "diagnostics",
          status: "Uploaded",
          requestId: null,
          receivedAt: RECEIVED,
        }],
        nextCursor: null,
        before: null,
      }}
      uploads={{
        items: [{
          id: "u1",
          chargePointId: "CP-1",
          kind: "diagnostics",
          requestId: null,
          logType: null,
          fileName: "diag.zip",
          contentType: "application/zip",
          size: 10,
          sha256: "00",
          uploadedAt: UPLOADED,
          remoteAddress: null,
        }],
        nextCursor: null,
        before: null,
      }}
      certificates={{ items: [certificate], current: certificate, nextCursor: null, before: null }}
      canDownload={false}
      canDelete={false}
    />,
  );
}

/** The cell of a table's column, by its data-label. */
function cells(page: string, label: string): string[] {
  return [...page.matchAll(new RegExp(`<td data-label="${label}">(.*?)</td>`, "g"))].map((m) => m[1]!);
}

Deno.test("StationFiles shows its times as the rest of the dashboard does: <Time>, UTC until the operator picks local time", () => {
  const page = html();
  // As the station's status history, its commands and its frames show theirs (islands/StationActivity.tsx).
  assertEquals(cells(page, "Received"), [renderToString(<Time iso={RECEIVED} />)]);
  assertEquals(cells(page, "Uploaded"), [renderToString(<Time iso={UPLOADED} />)]);
  assertEquals(cells(page, "Issued"), [renderToString(<Time iso={ISSUED} />)]);
  assertEquals(cells(page, "Expires"), [renderToString(<Time iso={EXPIRES} />)]);
  assertEquals(cells(page, "Received"), [`<time datetime="${RECEIVED}">2026-12-07 18:38:47</time>`]);
  assertStringIncludes(page, `expires <time datetime="${EXPIRES}">2027-11-01 08:00:00</time>`);
  // Each heading names the zone the TimeZoneToggle switches, never a fixed "UTC".
  const label = renderToString(<TzLabel />);
  for (const heading of ["Received", "Uploaded", "Issued", "Expires"]) {
    assertStringIncludes(page, `${heading} (${label})`);
  }
  assertEquals(page.includes("(UTC)"), false, "no heading says UTC whatever the operator picked");
});
