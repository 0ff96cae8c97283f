/**
 * Migration 030 (certificate deliveries): certificates issued before it have no known outcome; each station's
 * newest stays its current certificate, as it was counted until then, so renewal goes on for the stations in
 * the field, and a certificate signed afterwards is current only once accepted.
 */
import { assertEquals } from "@std/assert";
import { ignoreWithoutPostgres, withFreshDatabase } from "../../tests/helpers/postgres.ts";
import { migrate, MIGRATIONS } from "./migrate.ts";
import { PostgresPkiStore } from "./pki.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL PKI migration tests");

Deno.test({
  name: "migration 030 marks older certificates unknown and keeps each station's newest current",
  ignore,
  fn: async () => {
    await withFreshDatabase(async (_url, sql) => {
      const before = MIGRATIONS.filter((m) => m.version < 30);
      assertEquals(await migrate(sql, before), before.map((m) => m.version));
      const rows = [["01", "CP-1", "2024-01-01"], ["02", "CP-1", "2024-03-01"], ["03", "CP-2", "2024-02-01"]];
      for (const [serial, cp, issuedAt] of rows as [string, string, string][]) {
        await sql`
          insert into issued_certificate (serial_number, charge_point_id, subject, key, not_before, not_after,
            fingerprint_sha256, certificate_pem, issued_at)
          values (${serial}, ${cp}, ${`CN=${cp}`}, 'EC P-256', ${issuedAt}, '2024-06-01', 'ab', 'PEM',
            ${issuedAt})`;
      }
      const upTo30 = MIGRATIONS.filter((m) => m.version <= 30);
      assertEquals(await migrate(sql, upTo30), [30]);
      // A node still on the code before 030 (a rolling upgrade) inserts without the new columns.
      await sql`
        insert into issued_certificate (serial_number, charge_point_id, subject, key, not_before, not_after,
          fingerprint_sha256, certificate_pem, issued_at)
        values ('04', 'CP-3', 'CN=CP-3', 'EC P-256', '2024-04-01', '2024-06-01', 'ab', 'PEM', '2024-04-01')`;
      // Today's store reads the columns of the migrations after 030 too (045: the renewal back-off).
      await migrate(sql, MIGRATIONS);
      const store = new PostgresPkiStore(sql);
      const listed = await store.listIssuedCertificates({ limit: 10 });
      assertEquals(listed.map((c) => [c.serialNumber, c.delivery, c.current]), [
        ["04", "unknown", false],
        ["02", "unknown", true],
        ["03", "unknown", true],
        ["01", "unknown", false],
      ]);
      const due = await store.listDueForRenewal({
        notAfterBefore: "2025-01-01T00:00:00.000Z",
        requestedBefore: "2024-05-01T00:00:00.000Z",
        now: "2024-05-01T00:00:00.000Z",
        limit: 10,
      });
      assertEquals(due.map((c) => c.serialNumber), ["02", "03"]);
    });
  },
});
