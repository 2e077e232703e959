import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Leases and ticks shared by the instances of the bus (see LeaseStore): one row per key. Written by hand; only raw
 *  SQL reads it (sql-leases.ts), so no entity mirrors it. */
export class Leases1767398400000 implements MigrationInterface {
  name = 'Leases1767398400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "leases" (
      "name" text NOT NULL,
      "owner" text NOT NULL,
      "lease_until" bigint NOT NULL,
      "tick" bigint,
      "ticks" bigint NOT NULL,
      "updated_at" bigint NOT NULL,
      CONSTRAINT "pk_leases" PRIMARY KEY ("name"))`);
    // Purging deletes by end time.
    await q.query(`CREATE INDEX "ix_leases_lease_until" ON "leases" ("lease_until")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "leases"`);
  }
}
