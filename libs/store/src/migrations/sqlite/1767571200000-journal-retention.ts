import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the journal's purge and a smaller journal need. `dead_letters.delivery_id` gets an index: deleting a message
 * cascades to its deliveries and from them to dead letters, and without it each delivery deleted would scan the whole
 * table. `deliveries.body_from_message`: the delivery sends its message's stored body, kept once in `messages` (its
 * own `body` is then empty). Rows written before keep their copies. Written by hand; the schema spec checks that
 * the entities agree with it.
 */
export class JournalRetention1767571200000 implements MigrationInterface {
  name = 'JournalRetention1767571200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "ix_dead_letters_delivery" ON "dead_letters" ("delivery_id")`);
    await q.query(`ALTER TABLE "deliveries" ADD COLUMN "body_from_message" boolean NOT NULL DEFAULT (0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "deliveries" DROP COLUMN "body_from_message"`);
    await q.query(`DROP INDEX "ix_dead_letters_delivery"`);
  }
}
