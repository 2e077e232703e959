import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes that hold only the rows their queries look for, so that most writes skip them. `ix_messages_business_key`
 * keeps messages with a business key (most have none; the admin filter asks for one key, which implies not null).
 * `ix_deliveries_due` replaces `ix_deliveries_claim` (status, next_attempt_at): only pending deliveries, in the order
 * a claim takes them (next_attempt_at, id), so that a delivery leaves the index when it is done instead of moving
 * within it, and a claim reads due rows in order without sorting them. Every query on deliveries by status asks for
 * 'pending' (claims, counts); a settle's look for dead deliveries goes through `ix_deliveries_message`. SQLite only:
 * see the PostgreSQL migration of the same name.
 * Written by hand; the schema spec checks that the entities agree with it.
 */
export class PartialIndexes1767984000000 implements MigrationInterface {
  name = 'PartialIndexes1767984000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_messages_business_key"`);
    await q.query(`CREATE INDEX "ix_messages_business_key" ON "messages" ("business_key") WHERE "business_key" IS NOT NULL`);
    await q.query(`DROP INDEX "ix_deliveries_claim"`);
    await q.query(`CREATE INDEX "ix_deliveries_due" ON "deliveries" ("next_attempt_at", "id") WHERE "status" = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_deliveries_due"`);
    await q.query(`CREATE INDEX "ix_deliveries_claim" ON "deliveries" ("status", "next_attempt_at")`);
    await q.query(`DROP INDEX "ix_messages_business_key"`);
    await q.query(`CREATE INDEX "ix_messages_business_key" ON "messages" ("business_key")`);
  }
}
