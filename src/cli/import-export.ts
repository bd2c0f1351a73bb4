// `concord import` and `concord export`: bulk loading through the same validation and store
// pipeline as a TAXII POST (PublishService, batch by batch), and streaming a collection's
// latest object versions out as a TAXII envelope or a STIX bundle, page by page.
import fs from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { v4 as uuidv4 } from 'uuid';
import cliProgress from 'cli-progress';
import type { Principal } from '../access/principal';
import type { CliContext } from './cli-context';
import { findCollection } from './collection-commands';
import { readObjectBatches } from './read-objects';
import { CliError } from './run-command';

export const IMPORT_BATCH = 500;
export const EXPORT_PAGE = 1000;

interface StatusDetail {
  id: string;
  version?: string;
  message?: string;
}

interface Progress {
  update(bytes: number, objects: number): void;
  /** The last report, when the whole file went in. */
  done(bytes: number, objects: number): void;
  stop(): void;
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** Progress through the file's bytes (its object count is known only at its end). */
function progress(ctx: CliContext, size: number, label: string): Progress {
  if (ctx.stderrIsTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: ctx.stderr as NodeJS.WriteStream, format: `${label} [{bar}] {percentage}% | {objects} objects | {eta_formatted} left`, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let total = Math.max(1, size);
    bar.start(total, 0, { objects: 0 });
    const update = (bytes: number, objects: number) => {
      // A file that is not a regular one (a pipe) has no size: the bar follows what was read.
      if (bytes > total) bar.setTotal((total = bytes));
      bar.update(bytes, { objects });
    };
    return { update, done: update, stop: () => bar.stop() };
  }
  // Not a terminal: a plain line every 10% of the bytes (and at the end), for logs; none
  // before two batches are in, so that a small import stays quiet.
  const step = Math.max(1, Math.ceil(size / 10));
  let nextReport = 0;
  let last = '';
  const line = (bytes: number, objects: number) => {
    const percent = size > 0 ? Math.min(100, Math.floor((100 * bytes) / size)) : 100;
    const text = `${label}: ${percent}% (${mb(bytes)} of ${mb(Math.max(size, bytes))} MB), ${objects} objects\n`;
    if (text !== last) ctx.stderr.write(text);
    last = text;
  };
  return {
    update: (bytes, objects) => {
      if (objects < 2 * IMPORT_BATCH || bytes < nextReport) return;
      line(bytes, objects);
      nextReport = (Math.floor(bytes / step) + 1) * step;
    },
    done: (bytes, objects) => {
      if (objects >= 2 * IMPORT_BATCH) line(bytes, objects);
    },
    stop: () => undefined,
  };
}

/**
 * Publishes a file's objects into a collection as a member would, batch by batch as the file
 * is parsed; exit 1 if any was refused. Each batch is published as a POST would be, so a file
 * found malformed partway keeps the batches published before the fault (the error says how
 * many objects), and nothing after them.
 */
export async function importFile(ctx: CliContext, file: string, opts: { collection: string; as: string }): Promise<number> {
  let size: number;
  try {
    size = (await fs.promises.stat(file)).size;
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const collection = await findCollection(ctx, opts.collection);
  const snapshot = await ctx.directory.refresh();
  const member = snapshot.members.get(opts.as);
  if (!member) throw new CliError(`member '${opts.as}' does not exist`, 1);
  if (member.status !== 'active') throw new CliError(`member '${opts.as}' is suspended`, 1);
  const principal: Principal = {
    id: member.id,
    credentialId: 'cli',
    credentialPrefix: ctx.actor.source ?? 'cli',
    role: 'publisher',
    admin: false,
    collections: snapshot.accessOf(member.id, 'publisher'),
  };
  const publish = ctx.hub.publish;
  // Each batch is one envelope, within the configured limit.
  const batchSize = Math.min(IMPORT_BATCH, ctx.config.maxObjectsPerEnvelope);
  publish.assertCanPublish(principal, collection.apiRoot, collection.id);

  let objects = 0;
  let stored = 0;
  let duplicates = 0;
  const refused: StatusDetail[] = [];
  let bytes = 0;
  const bar = progress(ctx, size, `import ${file}`);
  const counts = () => `${stored} stored, ${duplicates} already there, ${refused.length} refused`;
  try {
    const batches = readObjectBatches(file, batchSize, (read) => {
      bytes = read;
      bar.update(bytes, objects);
    });
    for await (const batch of batches) {
      const res = await publish.addObjects(principal, collection.apiRoot, collection.id, async () => JSON.stringify({ objects: batch }));
      const status = JSON.parse(res.body ?? '{}') as { successes?: StatusDetail[]; failures?: StatusDetail[] };
      for (const s of status.successes ?? []) {
        if (s.message?.startsWith('already in the collection')) duplicates++;
        else stored++;
      }
      refused.push(...(status.failures ?? []));
      objects += batch.length;
      bar.update(bytes, objects);
    }
    bar.done(bytes, objects);
  } catch (e) {
    if (!(e instanceof CliError) || objects === 0) throw e;
    printRefused(ctx, refused);
    throw new CliError(
      `${e.message}\nthe first ${objects} objects of the file were imported before it (${counts()}) and stay in collection ${collection.id}; nothing after them was`,
      e.exitCode,
    );
  } finally {
    bar.stop();
  }
  printRefused(ctx, refused);
  ctx.stdout.write(`${file}: ${objects} objects, ${counts()} (collection ${collection.id}, as ${member.id})\n`);
  return refused.length > 0 ? 1 : 0;
}

function printRefused(ctx: CliContext, refused: StatusDetail[]): void {
  for (const f of refused) {
    const id = f.id || '(no id)';
    const message = f.message ?? 'refused';
    // The pipeline's messages usually start with the object's id already.
    ctx.stdout.write(`refused  ${message.startsWith(`${id}:`) ? message : `${id}: ${message}`}\n`);
  }
}

async function put(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** Streams the latest version of every object (optionally of some types) to `ctx.stdout`. */
export async function exportCollection(
  ctx: CliContext,
  opts: { collection: string; format?: string; type?: string[] },
): Promise<number> {
  const format = opts.format ?? 'envelope';
  if (format !== 'envelope' && format !== 'bundle') throw new CliError(`--format must be envelope or bundle, got '${format}'`);
  const collection = await findCollection(ctx, opts.collection);
  const out = ctx.stdout;
  await put(out, format === 'bundle' ? `{"type":"bundle","id":"bundle--${uuidv4()}","objects":[` : '{"more":false,"objects":[');
  let after: number | undefined;
  let count = 0;
  for (;;) {
    const page = await ctx.store.queryObjects({
      partition: collection.id,
      versions: { all: false, first: false, last: true, exact: [] },
      ...(opts.type && opts.type.length > 0 ? { types: opts.type } : {}),
      ...(after !== undefined ? { after } : {}),
      limit: EXPORT_PAGE,
      withJson: true,
    });
    for (const r of page.records) {
      await put(out, `${count === 0 ? '\n' : ',\n'}${r.json ?? ''}`);
      count++;
    }
    const last = page.records[page.records.length - 1];
    if (!page.more || !last) break;
    after = last.dateAdded;
  }
  await put(out, count === 0 ? ']}\n' : '\n]}\n');
  ctx.stderr.write(`exported ${count} objects from collection ${collection.id}\n`);
  return 0;
}
