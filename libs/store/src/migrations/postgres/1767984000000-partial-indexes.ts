import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes that hold only the rows their queries look for, so that most writes skip them. `ix_messages_business_key`
 * keeps messages with a business key (most have none; the admin filter asks for one key, which implies not null).
 * The pending-deliveries index of SQLite's migration is not made here: PostgreSQL's planner, misled by the statistics
 * of an index whose rows come and go within seconds, scanned it whole for the settle's "no delivery left pending"
 * instead of looking the message's deliveries up (S7: the settle took 2.5 times as long).
 * Written by hand; the schema spec checks that the entities agree with it.
 */
export class PartialIndexes1767984000000 implements MigrationInterface {
  name = 'PartialIndexes1767984000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_messages_business_key"`);
    await q.query(`CREATE INDEX "ix_messages_business_key" ON "messages" ("business_key") WHERE "business_key" IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_messages_business_key"`);
    await q.query(`CREATE INDEX "ix_messages_business_key" ON "messages" ("business_key")`);
  }
}
