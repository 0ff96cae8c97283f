/**
 * The station PKI over HTTP:
 *
 * - `GET /api/v1/pki/ca`            the CA certificate (and its issuers), PEM; anonymous: it is public, and
 *                                   nginx (`ssl_client_certificate`) and provisioning scripts need it
 * - `GET /api/v1/pki/certificates`  certificates issued to stations, newest first, with what became of their
 *                                   delivery, paged with `before`; `current` marks the one each station
 *                                   installed, and with `chargePointId` that one comes apart too, on whatever
 *                                   page (viewers)
 */
import { z } from "zod";
import type { SecurityExtension } from "../../files/security_extension.ts";
import { CERTIFICATE_DELIVERIES, isSerialNumber } from "../../model/certificates.ts";
import { encodeListCursor } from "../../model/list_cursor.ts";
import type { ApiRouter } from "./http.ts";
import { ErrorSchema, limit, listCursor } from "./schemas.ts";

export const IssuedCertificateView = z.object({
  serialNumber: z.string().describe("Hex"),
  chargePointId: z.string(),
  subject: z.string(),
  key: z.string().describe("e.g. EC P-256, RSA 2048"),
  notBefore: z.string(),
  notAfter: z.string(),
  fingerprintSha256: z.string(),
  certificatePem: z.string(),
  issuedAt: z.string(),
  renewalRequestedAt: z.string().nullable(),
  delivery: z.enum(CERTIFICATE_DELIVERIES).describe(
    "What became of the CertificateSigned that carried it: pending (not known yet, or cut short by a restart), " +
      "accepted (the station installed it), rejected (it answered Rejected or a CALLERROR), undelivered (not " +
      "connected, no answer in time), unknown (issued before outcomes were recorded)",
  ),
  deliveredAt: z.string().nullable().describe("When the outcome was recorded"),
  deliveryDetail: z.string().nullable().describe("What the station answered or why it got nothing"),
  current: z.boolean().describe(
    "The station's current certificate: the newest it accepted; the only one renewed",
  ),
  renewalUnanswered: z.number().int().describe(
    "Renewal triggers in a row the connected station did not answer in time (0 once it answers one)",
  ),
  renewalRetryAt: z.string().nullable().describe(
    "While renewalUnanswered is above 0: not asked again before this (the scan interval doubled per " +
      "unanswered trigger, 6 hours at most)",
  ),
  redeliveredAt: z.string().nullable().describe(
    "When this certificate, recorded undelivered, was sent again as the station booted (once at most)",
  ),
});

export function addPkiRoutes(router: ApiRouter, deps: { extension: SecurityExtension }): void {
  const { pki } = deps.extension;

  router.add({
    method: "get",
    path: "/v1/pki/ca",
    operationId: "getStationCa",
    summary: "The CA certificate that signs station certificates (PEM)",
    description: "Install it in nginx as `ssl_client_certificate` for security profile 3. " +
      "For an operator's intermediate CA the file also holds its issuers.",
    tag: "PKI",
    access: "anonymous",
    responses: { 200: { description: "PEM", contentType: "application/x-pem-file" } },
  }, (c) =>
    c.body(pki.caPem, 200, {
      "content-type": "application/x-pem-file",
      "content-disposition": 'inline; filename="station-ca.pem"',
    }));

  router.add({
    method: "get",
    path: "/v1/pki/certificates",
    operationId: "listIssuedCertificates",
    summary: "Certificates issued to stations (SignCertificate), newest first",
    description: "Every certificate signed is kept, whatever became of its delivery; only the one marked " +
      "`current` (the newest its station accepted) is the station's certificate. Paged: pass `nextCursor` " +
      "back as `before` for the next page (null on the last one); certificates issued in the same " +
      "millisecond are ordered by serial number, so none is repeated or skipped.",
    tag: "PKI",
    access: "viewer",
    query: z.object({
      chargePointId: z.string().min(1).max(48).optional(),
      limit: limit(100, 1000),
      before: listCursor(isSerialNumber),
    }),
    responses: {
      200: {
        description: "A page of certificates",
        schema: z.object({
          items: z.array(IssuedCertificateView),
          nextCursor: z.string().nullable().describe(
            "Pass it as `before` for the next page; null on the last",
          ),
          current: IssuedCertificateView.nullable().optional().describe(
            "With chargePointId: the station's current certificate (null: none), listed or not",
          ),
        }),
      },
      400: { description: "Invalid request", schema: ErrorSchema },
    },
  }, async (c, { query }) => {
    const { chargePointId } = query;
    const page = {
      limit: query.limit,
      ...(query.before !== undefined ? { before: query.before } : {}),
    };
    const nextCursor = (items: { issuedAt: string; serialNumber: string }[]) => {
      const last = items.at(-1);
      return items.length >= query.limit && last
        ? encodeListCursor({ at: last.issuedAt, id: last.serialNumber })
        : null;
    };
    if (chargePointId === undefined) {
      const items = await pki.listCertificates(page);
      return c.json({ items, nextCursor: nextCursor(items) });
    }
    // One after the other: the current certificate read after the page is never older than the page (read
    // together, a page could show an acceptance that `current` had not seen yet).
    const items = await pki.listCertificates({ ...page, chargePointId });
    const current = await pki.currentCertificate(chargePointId);
    return c.json({ items, nextCursor: nextCursor(items), current });
  });
}
