// A MongoDB-store server restarted after a process died holding the write lease: it
// answers reads at once, from what is stored; its start-up writes and the writes it is
// sent that need the dead holder's lock wait until it expires, then succeed; writes to
// other collections do not wait (docs/scaling.md).
//
// The crash is staged as a process killed in the middle of a POST leaves the database:
// its lock document, still valid for LOCK_MS, and the range of base versions it had not
// distributed yet (which the restart must distribute, under the lease).
import crypto from 'node:crypto';
import path from 'node:path';
import pino from 'pino';
import { MongoClient, type Db, type Document } from 'mongodb';
import { loadConfig, type Config } from '../../src/config';
import { startServer, type RunningServer } from '../../src/main';
import { StixValidator } from '../../src/stix/stix-validator';
import { AUDIT_SEQ, DIRECTORY, lockId, partitionKey } from '../../src/store/mongo/write-lease';
import { MongoStore } from '../../src/store/mongo/mongo-store';
import type { NewObjectVersion } from '../../src/store/store';
import { versionKey } from '../../src/vocabulary/time';
import { MONGODB_URI, freshDatabaseName } from '../helpers/test-store';
import { TAXII } from '../helpers/test-app';

/** How much longer the dead holder's lock is valid when the restart begins. */
const LOCK_MS = 6_000;
const TOKEN = 'restart-lease-admin-token-0123456789';
// The shipped example's shared indicators and reports collections (collections/api-roots.json).
const INDICATORS = '2f0d6a3e-6c1b-4c55-9a7e-2b8f0c1d4e5a';
const REPORTS = '8a3c1f2e-9b4d-4e6f-a1b2-c3d4e5f60718';
const headers = { Authorization: `Bearer ${TOKEN}`, Accept: TAXII, 'Content-Type': TAXII };

function indicator(n: number): Record<string, unknown> {
  const t = '2025-06-01T00:00:00.000Z';
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${crypto.randomUUID()}`,
    created: t,
    modified: t,
    name: `restart ${n}`,
    pattern: `[ipv4-addr:value = '10.2.0.${n % 256}']`,
    pattern_type: 'stix',
    valid_from: t,
  };
}

/** An object as the publish path hands it to the store. */
function version(o: Record<string, unknown>): NewObjectVersion {
  const modified = o.modified as string;
  return { id: o.id as string, type: o.type as string, version: modified, versionKey: versionKey(modified) as string, specVersion: '2.1', json: JSON.stringify(o) };
}

function configFor(database: string, env: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({
    CONCORD_CONFIG: path.resolve(__dirname, '../../collections/concord.json'),
    MONGODB_URI,
    MONGODB_DATABASE: database,
    CONCORD_PORT: '0',
    CONCORD_VALIDATION_THREADS: '0',
    ...env,
  });
}

/** The locks a process that died holding them leaves, valid `ms` more. */
async function deadHolder(db: Db, keys: string[], ms: number): Promise<number> {
  const until = Date.now() + ms;
  for (const key of keys) await db.collection('meta').insertOne({ _id: lockId(key), owner: 'crashed-holder', until } as Document);
  return until;
}

const maybe = MONGODB_URI ? describe : describe.skip;

maybe('restart over a write lease left by a dead process', () => {
  jest.setTimeout(90_000);
  const logger = pino({ level: 'silent' });
  let validator: StixValidator;
  let client: MongoClient;
  const servers: RunningServer[] = [];

  beforeAll(async () => {
    validator = StixValidator.load();
    client = new MongoClient(MONGODB_URI as string);
    await client.connect();
  });

  afterAll(async () => {
    for (const s of servers) await s.close();
    await client.close();
  });

  async function start(config: Config): Promise<RunningServer> {
    const server = await startServer(config, logger, validator);
    servers.push(server);
    return server;
  }

  test('reads answer at once; a POST to the held collection waits for the lock to expire; other collections do not', async () => {
    const database = freshDatabaseName();
    const db = client.db(database);
    const config = configFor(database, { CONCORD_ADMIN_TOKEN: TOKEN });
    try {
      const first = await start(config);
      const stored = [indicator(1), indicator(2), indicator(3)];
      const posted = await fetch(`${first.url}/hub/collections/${INDICATORS}/objects/`, { method: 'POST', headers, body: JSON.stringify({ objects: stored }) });
      expect(posted.status).toBe(202);
      await first.close();

      // Killed while writing the collection's rows.
      const until = await deadHolder(db, [partitionKey(INDICATORS)], LOCK_MS);
      const rows = await db.collection('objects').find({ c: INDICATORS }).sort({ da: 1 }).toArray();
      const [from, to] = [rows[0]?.da as number, rows[rows.length - 1]?.da as number];
      await db.collection('pending').insertOne({ _id: `${INDICATORS}\u0000${from}`, c: INDICATORS, from, to } as unknown as Document);

      const t0 = Date.now();
      const second = await start(config);
      const discovery = await fetch(`${second.url}/taxii2/`, { headers });
      expect(discovery.status).toBe(200);
      const page = await fetch(`${second.url}/hub/collections/${INDICATORS}/objects/`, { headers });
      expect(page.status).toBe(200);
      expect(((await page.json()) as { objects: Array<{ id: string }> }).objects.map((o) => o.id).sort()).toEqual(stored.map((o) => o.id as string).sort());
      const manifest = await fetch(`${second.url}/hub/collections/${INDICATORS}/manifest/`, { headers });
      expect(manifest.status).toBe(200);
      const readMs = Date.now() - t0;
      // Ready for reads; the start-up writes (the pending range) wait for the lease.
      expect(await (await fetch(`${second.url}/readyz`)).json()).toEqual({ status: 'ready', writes: 'waiting' });
      expect((await fetch(`${second.url}/readyz/writes`)).status).toBe(503);
      // Another collection's lease is free: another process writes there now. (This process's
      // distributions run one at a time, behind the recovery: src/sharing/distribution-queue.ts.)
      const other = await MongoStore.open(MONGODB_URI as string, database);
      try {
        const [added] = await other.addObjects(REPORTS, [{ ...version(indicator(5)), provider: 'hub' }]);
        expect(added?.outcome).toBe('added');
      } finally {
        await other.close();
      }
      const elsewhereMs = Date.now() - t0;
      expect(Date.now()).toBeLessThan(until);

      const write = await fetch(`${second.url}/hub/collections/${INDICATORS}/objects/`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ objects: [indicator(4)] }),
      });
      const writtenAt = Date.now();
      expect(write.status).toBe(202);
      expect(((await write.json()) as { status: string }).status).toBe('complete');
      expect(writtenAt).toBeGreaterThanOrEqual(until);
      expect((await fetch(`${second.url}/readyz/writes`)).status).toBe(200);
      expect(await (await fetch(`${second.url}/readyz`)).json()).toEqual({ status: 'ready' });
      // The pending range was distributed: nothing is left pending.
      expect(await db.collection('pending').countDocuments({})).toBe(0);
      process.stdout.write(
        `restart over a lock valid ${LOCK_MS} ms more: reads served after ${readMs} ms, another collection written after ${elsewhereMs} ms, ` +
          `a POST to the held collection after ${writtenAt - t0} ms\n`,
      );
    } finally {
      await db.dropDatabase();
    }
  });

  test('the bootstrap admin is created once the lock expires, and its printed credentials work', async () => {
    const database = freshDatabaseName();
    const db = client.db(database);
    const printed: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      printed.push(String(chunk));
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    });
    try {
      // A first start that died holding the lease, changing the directory, before it wrote anything.
      const until = await deadHolder(db, [DIRECTORY, AUDIT_SEQ], LOCK_MS);
      const server = await start(configFor(database));
      expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready', writes: 'waiting' });
      expect(printed.join('')).not.toMatch(/token:/);
      expect(Date.now()).toBeLessThan(until);
      for (let i = 0; i < 300 && (await fetch(`${server.url}/readyz/writes`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
      expect(Date.now()).toBeGreaterThanOrEqual(until);
      const token = /token:\s+(\S+)/.exec(printed.join(''))?.[1];
      expect(token).toBeDefined();
      const res = await fetch(`${server.url}/admin/v1/members/`, { headers: { Authorization: `Bearer ${token as string}` } });
      expect(res.status).toBe(200);
    } finally {
      spy.mockRestore();
      await db.dropDatabase();
    }
  });
});
