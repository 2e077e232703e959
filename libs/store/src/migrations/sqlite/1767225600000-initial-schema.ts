import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The journal, outbox and dead-letter tables on SQLite. Written by hand; the schema spec checks that the entities
 *  agree with it. */
export class InitialSchema1767225600000 implements MigrationInterface {
  name = 'InitialSchema1767225600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "messages" (
      "id" text PRIMARY KEY NOT NULL,
      "route_id" text NOT NULL,
      "correlation_id" text NOT NULL,
      "business_key" text,
      "source_kind" text NOT NULL,
      "source_address" text NOT NULL,
      "mode" text NOT NULL,
      "status" text NOT NULL,
      "headers" text NOT NULL,
      "content_type" text NOT NULL,
      "body" blob NOT NULL,
      "hops" text NOT NULL,
      "failure_code" text,
      "failure_message" text,
      "received_at" bigint NOT NULL,
      "updated_at" bigint NOT NULL,
      "claim_count" integer NOT NULL,
      "lease_owner" text,
      "lease_until" bigint)`);
    await q.query(`CREATE INDEX "ix_messages_status" ON "messages" ("status", "id")`);
    await q.query(`CREATE INDEX "ix_messages_route" ON "messages" ("route_id", "id")`);
    await q.query(`CREATE INDEX "ix_messages_correlation" ON "messages" ("correlation_id")`);
    await q.query(`CREATE INDEX "ix_messages_business_key" ON "messages" ("business_key")`);
    await q.query(`CREATE INDEX "ix_messages_received_at" ON "messages" ("received_at")`);

    await q.query(`CREATE TABLE "deliveries" (
      "id" text PRIMARY KEY NOT NULL,
      "message_id" text NOT NULL,
      "route_id" text NOT NULL,
      "correlation_id" text NOT NULL,
      "target_id" text NOT NULL,
      "target_description" text NOT NULL,
      "part_index" integer,
      "wire_tap" boolean NOT NULL,
      "status" text NOT NULL,
      "headers" text NOT NULL,
      "content_type" text NOT NULL,
      "body" blob NOT NULL,
      "attempts" integer NOT NULL,
      "max_attempts" integer NOT NULL,
      "next_attempt_at" bigint NOT NULL,
      "lease_owner" text,
      "lease_until" bigint,
      "reply" text,
      "last_error" text,
      "created_at" bigint NOT NULL,
      "updated_at" bigint NOT NULL,
      CONSTRAINT "fk_deliveries_message" FOREIGN KEY ("message_id") REFERENCES "messages" ("id")
        ON DELETE CASCADE ON UPDATE NO ACTION)`);
    await q.query(`CREATE INDEX "ix_deliveries_claim" ON "deliveries" ("status", "next_attempt_at")`);
    await q.query(`CREATE INDEX "ix_deliveries_message" ON "deliveries" ("message_id")`);

    // "id" is the rowid alias: left out of inserts, SQLite fills it in.
    await q.query(`CREATE TABLE "attempts" (
      "id" integer PRIMARY KEY NOT NULL,
      "delivery_id" text NOT NULL,
      "number" integer NOT NULL,
      "started_at" bigint NOT NULL,
      "duration_ms" integer NOT NULL,
      "ok" boolean NOT NULL,
      "status_code" integer,
      "error_code" text,
      "error" text,
      CONSTRAINT "fk_attempts_delivery" FOREIGN KEY ("delivery_id") REFERENCES "deliveries" ("id")
        ON DELETE CASCADE ON UPDATE NO ACTION)`);
    await q.query(`CREATE INDEX "ix_attempts_delivery" ON "attempts" ("delivery_id")`);

    await q.query(`CREATE TABLE "dead_letters" (
      "id" text PRIMARY KEY NOT NULL,
      "message_id" text NOT NULL,
      "delivery_id" text,
      "route_id" text NOT NULL,
      "target_id" text,
      "reason_code" text NOT NULL,
      "reason_message" text NOT NULL,
      "content_type" text NOT NULL,
      "headers" text NOT NULL,
      "body" blob NOT NULL,
      "created_at" bigint NOT NULL,
      "replayed_at" bigint,
      "replay_count" integer NOT NULL,
      CONSTRAINT "fk_dead_letters_message" FOREIGN KEY ("message_id") REFERENCES "messages" ("id")
        ON DELETE CASCADE ON UPDATE NO ACTION,
      CONSTRAINT "fk_dead_letters_delivery" FOREIGN KEY ("delivery_id") REFERENCES "deliveries" ("id")
        ON DELETE CASCADE ON UPDATE NO ACTION)`);
    await q.query(`CREATE INDEX "ix_dead_letters_route" ON "dead_letters" ("route_id", "id")`);
    await q.query(`CREATE INDEX "ix_dead_letters_message" ON "dead_letters" ("message_id")`);
    await q.query(`CREATE INDEX "ix_dead_letters_replayed" ON "dead_letters" ("replayed_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['dead_letters', 'attempts', 'deliveries', 'messages']) await q.query(`DROP TABLE "${table}"`);
  }
}
