import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The correlation store of the Aggregator (see CorrelationStore): one row per open group, one per part it holds.
 * Written by hand; only raw SQL reads these tables (sql-correlation.ts), so no entity mirrors them.
 */
export class Aggregation1767744000000 implements MigrationInterface {
  name = 'Aggregation1767744000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "aggregation_groups" (
      "route_id" text NOT NULL,
      "step" text NOT NULL,
      "group_key" text NOT NULL,
      "part_count" integer NOT NULL,
      "size" integer,
      "first_at" bigint NOT NULL,
      "last_at" bigint NOT NULL,
      "ready_at" bigint NOT NULL,
      "expires_at" bigint NOT NULL,
      "lease_owner" text,
      "lease_until" bigint,
      "check_each" integer NOT NULL,
      "after_first_ms" bigint,
      "after_last_ms" bigint,
      CONSTRAINT "pk_aggregation_groups" PRIMARY KEY ("route_id", "step", "group_key"))`);
    // The completer claims the groups due now.
    await q.query(`CREATE INDEX "ix_aggregation_groups_ready" ON "aggregation_groups" ("ready_at")`);
    await q.query(`CREATE TABLE "aggregation_parts" (
      "route_id" text NOT NULL,
      "step" text NOT NULL,
      "message_id" text NOT NULL,
      "part_index" integer NOT NULL,
      "group_key" text NOT NULL,
      "correlation_id" text NOT NULL,
      "headers" text NOT NULL,
      "content_type" text NOT NULL,
      "body" blob NOT NULL,
      "added_at" bigint NOT NULL,
      CONSTRAINT "pk_aggregation_parts" PRIMARY KEY ("route_id", "step", "message_id", "part_index"))`);
    await q.query(`CREATE INDEX "ix_aggregation_parts_group" ON "aggregation_parts" ("route_id", "step", "group_key")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "aggregation_parts"`);
    await q.query(`DROP TABLE "aggregation_groups"`);
  }
}
