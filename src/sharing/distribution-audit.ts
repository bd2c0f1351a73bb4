// Distribution decisions in the audit log, in aggregate: one `objects.distribute`
// entry per publish (and per release or closure event), with counts per audience class
// (members decided alike, access/audience-classes.ts), never the objects themselves. Per
// class, not per member: the entry's size follows the agreements, not the head count.
import type { AuditEntry } from '../directory/records';

/** What one publish did for one audience: versions added to its views now, refused, put off (embargo, closure). */
export interface ReaderCounts {
  visible: number;
  hidden: number;
  deferred: number;
}

/** One audience class's outcomes, and who is in it. */
export interface AudienceCounts extends ReaderCounts {
  /** Its members' ids, sorted. */
  members: readonly string[];
}

/** How many member ids an audit entry names per class (the count is always there). */
const EXAMPLES = 5;

/** Counts distribution outcomes per audience class while a publish is distributed. */
export class DistributionTally {
  readonly audiences = new Map<string, AudienceCounts>();

  count(audience: string, members: readonly string[], outcome: keyof ReaderCounts, by = 1): void {
    let counts = this.audiences.get(audience);
    if (counts === undefined) this.audiences.set(audience, (counts = { members, visible: 0, hidden: 0, deferred: 0 }));
    counts[outcome] += by;
  }

  /** Adds another tally's counts (a publish distributed in steps). */
  add(other: DistributionTally): void {
    for (const [audience, c] of other.audiences) {
      this.count(audience, c.members, 'visible', c.visible);
      this.count(audience, c.members, 'hidden', c.hidden);
      this.count(audience, c.members, 'deferred', c.deferred);
    }
  }

  /** Versions that reached a member: each class's visible count times its members. */
  visibleToMembers(): number {
    let visible = 0;
    for (const c of this.audiences.values()) visible += c.visible * c.members.length;
    return visible;
  }
}

/**
 * The details of the one `objects.distribute` audit entry of a publish: per audience class
 * (sorted by id) its counts, how many members it has and the first few of them; totals
 * over members (member × version); and how many versions were distributed. Never an
 * object id: the audit log is readable by admins, the ids are in the collection.
 */
export function summariseDistribution(audiences: ReadonlyMap<string, AudienceCounts>, versions?: number): Record<string, unknown> {
  const entries = [...audiences.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const totals: ReaderCounts = { visible: 0, hidden: 0, deferred: 0 };
  let readers = 0;
  const perAudience: Array<Record<string, unknown>> = [];
  for (const [id, c] of entries) {
    const n = c.members.length;
    perAudience.push({ class: id, members: n, examples: c.members.slice(0, EXAMPLES), visible: c.visible, hidden: c.hidden, deferred: c.deferred });
    readers += n;
    totals.visible += c.visible * n;
    totals.hidden += c.hidden * n;
    totals.deferred += c.deferred * n;
  }
  return { ...(versions !== undefined ? { versions } : {}), readers, audiences: perAudience, totals };
}

/** The whole audit entry of one distribution (kind `publish`, action `objects.distribute`). */
export function distributionAuditEntry(opts: {
  collectionId: string;
  audiences: ReadonlyMap<string, AudienceCounts>;
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
    details: summariseDistribution(opts.audiences, opts.versions),
  };
}
