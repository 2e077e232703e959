import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How often a delivery was claimed since its last recorded attempt, so that work which never finishes (it crashes
 * or hangs the worker every time) is dead-lettered instead of claimed for ever. Rows written before start at 0.
 * Written by hand; the schema spec checks that the entities agree with it.
 */
export class DeliveryClaims1767657600000 implements MigrationInterface {
  name = 'DeliveryClaims1767657600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "deliveries" ADD COLUMN "claim_count" integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "deliveries" DROP COLUMN "claim_count"`);
  }
}
