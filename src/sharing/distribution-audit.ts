// Distribution decisions in the audit log, in aggregate: one `objects.distribute`
// entry per publish (and per release or closure event), with per-reader counts, never the
// objects themselves.
import type { AuditEntry } from '../directory/records';

/** What one publish did for one reader: versions added to its view now, refused, put off (embargo, closure). */
export interface ReaderCounts {
  visible: number;
  hidden: number;
  deferred: number;
}

/** Counts distribution outcomes per reader while a publish is distributed. */
export class DistributionTally {
  readonly readers = new Map<string, ReaderCounts>();

  count(reader: string, outcome: keyof ReaderCounts, by = 1): void {
    let counts = this.readers.get(reader);
    if (counts === undefined) this.readers.set(reader, (counts = { visible: 0, hidden: 0, deferred: 0 }));
    counts[outcome] += by;
  }
}

/**
 * The details of the one `objects.distribute` audit entry of a publish: per reader counts
 * (readers sorted by id), their totals, and how many versions were distributed. Never an
 * object id: the audit log is readable by admins, the ids are in the collection.
 */
export function summariseDistribution(
  readers: ReadonlyMap<string, ReaderCounts> | Readonly<Record<string, ReaderCounts>>,
  versions?: number,
): Record<string, unknown> {
  const entries = readers instanceof Map ? [...(readers as ReadonlyMap<string, ReaderCounts>).entries()] : Object.entries(readers as Record<string, ReaderCounts>);
  entries.sort(([a], [b]) => a.localeCompare(b));
  const totals: ReaderCounts = { visible: 0, hidden: 0, deferred: 0 };
  const perReader: Record<string, ReaderCounts> = {};
  for (const [reader, counts] of entries) {
    perReader[reader] = { visible: counts.visible, hidden: counts.hidden, deferred: counts.deferred };
    totals.visible += counts.visible;
    totals.hidden += counts.hidden;
    totals.deferred += counts.deferred;
  }
  return { ...(versions !== undefined ? { versions } : {}), readers: perReader, totals };
}

/** The whole audit entry of one distribution (kind `publish`, action `objects.distribute`). */
export function distributionAuditEntry(opts: {
  collectionId: string;
  readers: ReadonlyMap<string, ReaderCounts> | Readonly<Record<string, ReaderCounts>>;
  versions: number;
  at: number;
  /** The publishing member, when there is one. */
  memberId?: string;
  apiRoot?: string;
}): AuditEntry {
  return {
    at: opts.at,
    kind: 'publish',
    action: 'objects.distribute',
    collectionId: opts.collectionId,
    ...(opts.memberId !== undefined ? { memberId: opts.memberId } : {}),
    ...(opts.apiRoot !== undefined ? { apiRoot: opts.apiRoot } : {}),
    details: summariseDistribution(opts.readers, opts.versions),
  };
}
