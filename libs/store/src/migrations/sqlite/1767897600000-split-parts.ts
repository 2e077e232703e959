import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Split parts as messages of their own: `part_id` is the id of the part a delivery carries (`<message id>.<index>`,
 * sent to the target as its message id), `then_id` the delivery of the next part to the same target in an ordered
 * split, which waits (due at the end of time) until this one is delivered or dead. Rows written before have neither.
 * Written by hand; the schema spec checks that the entities agree with it.
 */
export class SplitParts1767897600000 implements MigrationInterface {
  name = 'SplitParts1767897600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "deliveries" ADD COLUMN "part_id" text`);
    await q.query(`ALTER TABLE "deliveries" ADD COLUMN "then_id" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "deliveries" DROP COLUMN "then_id"`);
    await q.query(`ALTER TABLE "deliveries" DROP COLUMN "part_id"`);
  }
}
