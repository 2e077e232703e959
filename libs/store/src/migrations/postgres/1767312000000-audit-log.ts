import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The audit log of admin actions (logins, reloads, replays). Written by hand; the schema spec checks that the entity
 *  agrees with it. */
export class AuditLog1767312000000 implements MigrationInterface {
  name = 'AuditLog1767312000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "audit_log" (
      "id" text NOT NULL,
      "at" bigint NOT NULL,
      "actor" text NOT NULL,
      "action" text NOT NULL,
      "target" text,
      "outcome" text NOT NULL,
      "detail" text NOT NULL,
      "remote" text,
      CONSTRAINT "pk_audit_log" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_audit_log_at" ON "audit_log" ("at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "audit_log"`);
  }
}
