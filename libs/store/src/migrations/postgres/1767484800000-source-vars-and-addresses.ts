import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an address template needs after the outbox: a message's source variables (`$params`, `$query`, JSON) and a
 * delivery's resolved address (an HTTP path and query). Both nullable: rows written before stay as they were.
 * Written by hand; the schema spec checks that the entities agree with it.
 */
export class SourceVarsAndAddresses1767484800000 implements MigrationInterface {
  name = 'SourceVarsAndAddresses1767484800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "messages" ADD COLUMN "source_vars" text`);
    await q.query(`ALTER TABLE "deliveries" ADD COLUMN "address" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "deliveries" DROP COLUMN "address"`);
    await q.query(`ALTER TABLE "messages" DROP COLUMN "source_vars"`);
  }
}
