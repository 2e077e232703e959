import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The key set of idempotent routes (see IdempotentRepository): one row per (route, key) under a unique index. Written
 *  by hand; only raw SQL reads it (sql-idempotent.ts), so no entity mirrors it. */
export class IdempotentKeys1767830400000 implements MigrationInterface {
  name = 'IdempotentKeys1767830400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "idempotent_keys" (
      "route_id" text NOT NULL,
      "idem_key" text NOT NULL,
      "message_id" text NOT NULL,
      "created_at" bigint NOT NULL,
      "expires_at" bigint NOT NULL,
      CONSTRAINT "pk_idempotent_keys" PRIMARY KEY ("route_id", "idem_key"))`);
    // Purging deletes by lapse time.
    await q.query(`CREATE INDEX "ix_idempotent_keys_expires_at" ON "idempotent_keys" ("expires_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "idempotent_keys"`);
  }
}
