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
import { CliError } from './run-command';

export const IMPORT_BATCH = 500;
export const EXPORT_PAGE = 1000;

interface StatusDetail {
  id: string;
  version?: string;
  message?: string;
}

/** The objects of an envelope or bundle file (or of a bare array, or of one object). */
function fileObjects(file: string): unknown[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file}: not JSON: ${(e as Error).message}`);
  }
  if (Array.isArray(parsed)) return parsed;
  if (typeof parsed !== 'object' || parsed === null) throw new CliError(`${file}: not a STIX bundle or TAXII envelope`);
  const p = parsed as Record<string, unknown>;
  if (p.type === 'bundle' || (p.type === undefined && (p.objects !== undefined || Object.keys(p).length === 0))) {
    if (p.objects === undefined) return [];
    if (!Array.isArray(p.objects)) throw new CliError(`${file}: "objects" must be a list`);
    return p.objects;
  }
  if (typeof p.type === 'string') return [p];
  throw new CliError(`${file}: not a STIX bundle or TAXII envelope`);
}

interface Progress {
  update(done: number): void;
  stop(): void;
}

function progress(ctx: CliContext, total: number, label: string): Progress {
  if (ctx.stderrIsTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: ctx.stderr as NodeJS.WriteStream, format: `${label} [{bar}] {percentage}% | {value}/{total} objects | {eta_formatted} left`, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  }
  // Not a terminal: a plain line every 10% (and at the end), for logs.
  let nextReport = 0;
  return {
    update: (done) => {
      if (total < 2 * IMPORT_BATCH) return;
      if (done >= nextReport || done === total) {
        ctx.stderr.write(`${label}: ${done}/${total} objects\n`);
        nextReport = done + Math.ceil(total / 10);
      }
    },
    stop: () => undefined,
  };
}

/** Publishes a file's objects into a collection as a member would; exit 1 if any was refused. */
export async function importFile(ctx: CliContext, file: string, opts: { collection: string; as: string }): Promise<number> {
  const objects = fileObjects(file);
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

  let stored = 0;
  let duplicates = 0;
  const refused: StatusDetail[] = [];
  const bar = progress(ctx, objects.length, `import ${file}`);
  try {
    for (let start = 0; start < objects.length; start += batchSize) {
      const batch = objects.slice(start, start + batchSize);
      const res = await publish.addObjects(principal, collection.apiRoot, collection.id, async () => JSON.stringify({ objects: batch }));
      const status = JSON.parse(res.body ?? '{}') as { successes?: StatusDetail[]; failures?: StatusDetail[] };
      for (const s of status.successes ?? []) {
        if (s.message?.startsWith('already in the collection')) duplicates++;
        else stored++;
      }
      refused.push(...(status.failures ?? []));
      bar.update(Math.min(objects.length, start + batch.length));
    }
  } finally {
    bar.stop();
  }
  for (const f of refused) {
    const id = f.id || '(no id)';
    const message = f.message ?? 'refused';
    // The pipeline's messages usually start with the object's id already.
    ctx.stdout.write(`refused  ${message.startsWith(`${id}:`) ? message : `${id}: ${message}`}\n`);
  }
  ctx.stdout.write(
    `${file}: ${objects.length} objects, ${stored} stored, ${duplicates} already there, ${refused.length} refused ` +
      `(collection ${collection.id}, as ${member.id})\n`,
  );
  return refused.length > 0 ? 1 : 0;
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
