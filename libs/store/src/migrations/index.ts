import type { Driver } from '../entities';
import { InitialSchema1767225600000 as PostgresInitialSchema } from './postgres/1767225600000-initial-schema';
import { AuditLog1767312000000 as PostgresAuditLog } from './postgres/1767312000000-audit-log';
import { Leases1767398400000 as PostgresLeases } from './postgres/1767398400000-leases';
import { SourceVarsAndAddresses1767484800000 as PostgresSourceVars } from './postgres/1767484800000-source-vars-and-addresses';
import { JournalRetention1767571200000 as PostgresJournalRetention } from './postgres/1767571200000-journal-retention';
import { DeliveryClaims1767657600000 as PostgresDeliveryClaims } from './postgres/1767657600000-delivery-claims';
import { Aggregation1767744000000 as PostgresAggregation } from './postgres/1767744000000-aggregation';
import { IdempotentKeys1767830400000 as PostgresIdempotentKeys } from './postgres/1767830400000-idempotent-keys';
import { SplitParts1767897600000 as PostgresSplitParts } from './postgres/1767897600000-split-parts';
import { PartialIndexes1767984000000 as PostgresPartialIndexes } from './postgres/1767984000000-partial-indexes';
import { InitialSchema1767225600000 as SqliteInitialSchema } from './sqlite/1767225600000-initial-schema';
import { AuditLog1767312000000 as SqliteAuditLog } from './sqlite/1767312000000-audit-log';
import { Leases1767398400000 as SqliteLeases } from './sqlite/1767398400000-leases';
import { SourceVarsAndAddresses1767484800000 as SqliteSourceVars } from './sqlite/1767484800000-source-vars-and-addresses';
import { JournalRetention1767571200000 as SqliteJournalRetention } from './sqlite/1767571200000-journal-retention';
import { DeliveryClaims1767657600000 as SqliteDeliveryClaims } from './sqlite/1767657600000-delivery-claims';
import { Aggregation1767744000000 as SqliteAggregation } from './sqlite/1767744000000-aggregation';
import { IdempotentKeys1767830400000 as SqliteIdempotentKeys } from './sqlite/1767830400000-idempotent-keys';
import { SplitParts1767897600000 as SqliteSplitParts } from './sqlite/1767897600000-split-parts';
import { PartialIndexes1767984000000 as SqlitePartialIndexes } from './sqlite/1767984000000-partial-indexes';

/** The migrations of each driver, oldest first. Both lists carry the same names so that the migrations table reads
 *  the same whatever the database. New migrations go at the end of both lists. */
export function migrationsFor(driver: Driver): Function[] {
  return driver === 'sqlite'
    ? [SqliteInitialSchema, SqliteAuditLog, SqliteLeases, SqliteSourceVars, SqliteJournalRetention, SqliteDeliveryClaims, SqliteAggregation, SqliteIdempotentKeys, SqliteSplitParts, SqlitePartialIndexes]
    : [PostgresInitialSchema, PostgresAuditLog, PostgresLeases, PostgresSourceVars, PostgresJournalRetention, PostgresDeliveryClaims, PostgresAggregation, PostgresIdempotentKeys, PostgresSplitParts, PostgresPartialIndexes];
}
