// The store a test runs on. By default the embedded store in memory; with
// CONCORD_TEST_STORE=mongodb (and MONGODB_URI) every test that builds its app through the
// helpers runs on the MongoDB store instead, each on a fresh database dropped at close.
import crypto from 'node:crypto';
import { MongoStore } from '../../src/store/mongo/mongo-store';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { Store } from '../../src/store/store';

export const MONGODB_URI = process.env.MONGODB_URI || undefined;

/** Which backend the helpers give tests: 'sqlite' unless CONCORD_TEST_STORE=mongodb. */
export function testStoreKind(): 'sqlite' | 'mongodb' {
  const kind = process.env.CONCORD_TEST_STORE ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'mongodb') throw new Error(`CONCORD_TEST_STORE must be sqlite or mongodb, got '${kind}'`);
  if (kind === 'mongodb' && !MONGODB_URI) throw new Error('CONCORD_TEST_STORE=mongodb needs MONGODB_URI');
  return kind;
}

let databases = 0;

/** A unique database name for this test process. */
export function freshDatabaseName(): string {
  return `concord_test_${process.pid}_${++databases}_${crypto.randomBytes(3).toString('hex')}`;
}

/** A MongoDB store on a new, empty database that is dropped when the store closes. */
export async function newMongoStore(database = freshDatabaseName()): Promise<MongoStore> {
  if (!MONGODB_URI) throw new Error('MONGODB_URI is not set');
  const store = await MongoStore.open(MONGODB_URI, database);
  const close = store.close.bind(store);
  store.close = async () => {
    await store.dropDatabase().catch(() => undefined);
    await close();
  };
  return store;
}

/** A new, empty store of the kind the run asks for. */
export async function newTestStore(): Promise<Store> {
  return testStoreKind() === 'mongodb' ? newMongoStore() : new SqliteStore(':memory:');
}

/**
 * Runs of a property test that builds whole worlds through HTTP: all of them on the
 * embedded store; a sixth (at least 3) on MongoDB, where FerretDB in CI scans on most
 * queries. The properties are the same; the sqlite run explores more inputs.
 */
export function propertyRuns(runs: number): number {
  return testStoreKind() === 'mongodb' ? Math.max(3, Math.ceil(runs / 6)) : runs;
}
