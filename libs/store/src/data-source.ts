import { resolve } from 'node:path';
import { DataSource, type Logger as TypeOrmLogger } from 'typeorm';
import type { StoreEntities } from './entities';
import { migrationsFor } from './migrations';
import type { StoreTarget } from './store-url';
import type { StoreLogger } from './store.types';

/** How long a PostgreSQL connection attempt may take before init or a call fails. */
const CONNECT_TIMEOUT_MS = 5000;
/** How long SQLite waits for a lock held by another process before failing with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;
const MIGRATIONS_TABLE = 'store_migrations';
const SQLITE_PAGE_SIZE = 8192;
const SQLITE_WAL_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * The TypeORM data source of a store. No I/O here: `initialize` connects. Migrations only, never synchronize.
 * SQLite: WAL (file databases), synchronous=NORMAL (no fsync per commit, only at checkpoints: a power cut may lose
 * the last transactions, never the file; a crash of the process loses nothing), temp_store=MEMORY, secure_delete,
 * busy timeout, 8 KB pages for new files, the WAL file truncated to 64 MB after checkpoints; TypeORM creates the file's
 * folder.
 * PostgreSQL: the schema, when given, is first on every pooled connection's search_path, so the raw SQL of the store
 * needs no qualification.
 */
export function buildDataSource(target: StoreTarget, entities: StoreEntities, logger: StoreLogger): DataSource {
  const common = {
    entities: Object.values(entities),
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'all' as const,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    logger: typeOrmLogger(logger),
  };
  if (target.driver === 'sqlite') {
    const memory = target.path === ':memory:';
    return new DataSource({
      ...common,
      type: 'better-sqlite3',
      database: memory ? ':memory:' : resolve(target.path),
      migrations: migrationsFor('sqlite'),
      enableWAL: !memory,
      timeout: SQLITE_BUSY_TIMEOUT_MS,
      statementCacheSize: 200,
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        // New files only (an existing file keeps its page size): a journaled message of about 1.5 KB (a 1 KB body)
        // fits twice in a 4 KB page with a third of it left empty, five times in an 8 KB page.
        db.pragma(`page_size = ${SQLITE_PAGE_SIZE}`);
        // A WAL file keeps the size of its largest burst (a purge writes many pages at once) unless it is truncated
        // after a checkpoint.
        db.pragma(`journal_size_limit = ${SQLITE_WAL_LIMIT_BYTES}`);
        db.pragma('synchronous = NORMAL');
        // The IN (SELECT ...) of a claim builds an ephemeral table: on disk by default, a temp file per claim.
        db.pragma('temp_store = MEMORY');
        // The bytes a row gives up (a payload replaced by its masked copy, a deleted message) are zeroed rather than
        // left in free space where a copy of the file would still show them. The WAL is cleared by WalCheckpoint.
        db.pragma('secure_delete = ON');
      },
    });
  }
  return new DataSource({
    ...common,
    type: 'postgres',
    url: target.url,
    schema: target.schema,
    migrations: migrationsFor('postgres'),
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
    applicationName: 'junction',
    installExtensions: false,
    poolSize: 10,
    extra: target.schema ? { options: `-c search_path=${target.schema}` } : {},
    poolErrorHandler: (err: unknown) => logger.warn({ err }, 'store: an idle PostgreSQL connection failed'),
  });
}

/**
 * Runs the pending migrations. On PostgreSQL under an advisory lock (instances starting together migrate one after
 * the other) and after creating the schema when one is named.
 */
export async function migrate(dataSource: DataSource, target: StoreTarget): Promise<void> {
  if (target.driver === 'sqlite') {
    await dataSource.runMigrations({ transaction: 'all' });
    return;
  }
  const lock = dataSource.createQueryRunner();
  const key = `junction.store.migrate:${target.schema ?? ''}`;
  try {
    await lock.query(`SELECT pg_advisory_lock(hashtext($1))`, [key]);
    try {
      // Looked up first: CREATE SCHEMA IF NOT EXISTS still needs the CREATE privilege on the database.
      const exists = target.schema
        ? ((await lock.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [target.schema])) as unknown[]).length > 0
        : true;
      if (!exists) await lock.query(`CREATE SCHEMA "${target.schema}"`);
      await dataSource.runMigrations({ transaction: 'all' });
    } finally {
      await lock.query(`SELECT pg_advisory_unlock(hashtext($1))`, [key]);
    }
  } finally {
    await lock.release();
  }
}

/** TypeORM's own messages: warnings and slow queries go to the store's logger, query logs nowhere. Query errors are
 *  not logged here: they reach the caller as StoreError. */
function typeOrmLogger(logger: StoreLogger): TypeOrmLogger {
  return {
    logQuery: () => undefined,
    logQueryError: () => undefined,
    logQuerySlow: (time: number, query: string) => logger.warn({ time, query }, 'store: slow query'),
    logSchemaBuild: () => undefined,
    logMigration: () => undefined,
    log: (level: string, message: unknown) => {
      if (level === 'warn') logger.warn({ message }, 'store: TypeORM warning');
    },
  };
}
