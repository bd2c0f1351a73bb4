// TAXII 2.1 §5.5 Add Objects and §4.3 Get Status.
import { setImmediate } from 'node:timers/promises';
import { v4 as uuidv4 } from 'uuid';
import type { Principal } from '../access/principal';
import type { AddOutcome, NewObjectVersion, ObjectStore, StatusStore } from '../store/store';
import { isFailure, toStorable, type ObjectFailure } from './storable-object';
import type { Validation } from '../stix/validation-pool';
import type { VerdictSummary } from '../stix/verdict-summary';
import type { DirectorySnapshot } from '../access/directory-snapshot';
import type { Catalog } from './catalog';
import { partitionOf, resolveApiRoot, resolveCollection, type ResolvedCollection } from './collection-access';
import { judgePublish, type ProvenanceVerdict } from './provenance';
import { formatMicros, nowMicros, versionKey } from '../vocabulary/time';
import type { Distributor } from '../sharing/distributor';
import type { BaseVersion } from '../sharing/base-versions';
import type { StixObject } from '../stix/rules/rule';
import { TaxiiError, notFound } from './taxii-error';
import type { TaxiiResponse } from './taxii-service';
import { objectLimitProblem, type ObjectLimits } from './object-limits';
import { locateEnvelope, parseElement, type EnvelopeText } from './envelope-text';

/** Objects parsed, validated, judged and stored at a time (one store write, a few milliseconds). */
const PUBLISH_BATCH = 250;

const pause = () => setImmediate();

interface StatusDetail {
  id: string;
  version: string;
  message?: string;
}

/** One object of the envelope, followed through the steps of addObjects. */
interface Candidate {
  /** Its place in the envelope's objects (validation verdicts are in the same order). */
  readonly index: number;
  readonly object: unknown;
  /** What the store needs of it, or why the store cannot address it. */
  readonly storable: NewObjectVersion | ObjectFailure;
  /** Why it is not stored (a status failure), said by the step that refused it. */
  failure?: StatusDetail;
  /** Set by admission: the version the collection is to hold, pending until every reader's view has it. */
  newVersion?: NewObjectVersion;
  /** The validator's warnings about an admitted object (its status success message). */
  warning?: string;
  createdByRef?: string;
  provenance?: ProvenanceVerdict;
  /** Set for every candidate stored or found a duplicate. */
  outcome?: AddOutcome;
}

/** A candidate admission let through: what provenance judges. */
type Admitted = Candidate & { newVersion: NewObjectVersion };

/** Who publishes where, for the steps after parsing. */
interface Publication {
  principal: Principal;
  target: ResolvedCollection;
  snapshot: DirectorySnapshot;
}

export class PublishService {
  constructor(
    private readonly store: ObjectStore & StatusStore,
    private readonly catalog: Catalog,
    private readonly validation: Validation,
    private readonly maxObjectsPerEnvelope: number,
    private readonly distributor: Distributor,
    private readonly objectLimits: ObjectLimits = { maxStringLength: 4_194_304, maxArrayLength: 50_000 },
    /** How deep a body may nest (checked as the envelope is located, not in a pass of its own). */
    private readonly maxJsonDepth = 100,
  ) {}

  /** Resolves the target before the body is read, so that refused requests read nothing. */
  assertCanPublish(principal: Principal, rootPath: string, idOrAlias: string): void {
    resolveCollection(this.catalog, principal, rootPath, idOrAlias, 'write');
  }

  /**
   * Stores every acceptable object of the envelope and answers 202 with a complete status:
   * each object is a success (stored, or an exact duplicate — never an error, §5.5) or a
   * failure with a reason; one bad object loses no good one. A STIX bundle is accepted in
   * place of an envelope (stix2's TAXIICollectionSink posts one).
   *
   * The envelope goes through in batches (parsed, validated on the validation threads,
   * judged and stored, one store write each), and the request thread serves other requests
   * between them: the largest envelope the limits allow holds up no one.
   */
  async addObjects(principal: Principal, rootPath: string, idOrAlias: string, readBody: () => Promise<string>): Promise<TaxiiResponse> {
    const target = resolveCollection(this.catalog, principal, rootPath, idOrAlias, 'write');
    const requestTimestamp = formatMicros(nowMicros());
    // The body is held here only, and let go once stored: distribution needs only what was added.
    let envelope: EnvelopeText | undefined = await locateEnvelope(await readBody(), this.maxJsonDepth);
    if (envelope.count > this.maxObjectsPerEnvelope) {
      throw new TaxiiError(
        413,
        'Payload Too Large',
        `An envelope may hold at most ${this.maxObjectsPerEnvelope} objects; this one has ${envelope.count}. Split it.`,
      );
    }
    const publication: Publication = { principal, target, snapshot: this.catalog.snapshot() };
    const outcome = new PublishOutcome(requestTimestamp, envelope.count);
    // A let binding the loop below narrows; it is cleared after the loop.
    // All or nothing: the versions are stored pending, batch by batch; if a later batch,
    // or the status, cannot be kept, every version this request added is deleted again (no
    // reader has them yet: distribution starts after the status) and the request fails
    // having stored nothing. Once both are kept the publish has happened: a failure to
    // distribute is retried from the store (Distributor.distributeOrRetry), and the status,
    // which says what the collection holds, is true either way.
    let status: PublishStatus;
    try {
      for (let start = 0; start < envelope.count; start += PUBLISH_BATCH) {
        if (start > 0) await pause();
        await this.publishBatch(publication, envelope, start, Math.min(envelope.count, start + PUBLISH_BATCH), outcome);
      }
      envelope = undefined;
      status = outcome.status();
      await this.store.saveStatus({ id: status.id, apiRoot: target.root.path, owner: principal.id, createdAt: Date.now(), resource: status });
    } catch (e) {
      await this.unstore(publication, outcome.added);
      throw e;
    }
    await this.distributor.distributeOrRetry(target.collection.id, outcome.added, outcome.storedRanges);
    return {
      status: 202,
      body: JSON.stringify(status),
      headers: {},
      audit: {
        kind: 'publish',
        action: 'objects.add',
        apiRoot: target.root.path,
        collectionId: target.collection.id,
        details: {
          statusId: status.id,
          total: status.total_count,
          success: status.success_count,
          failure: status.failure_count,
        },
      },
    };
  }

  /** One batch of the envelope, elements [start, end): parsed, validated, judged, stored. */
  private async publishBatch(publication: Publication, envelope: EnvelopeText, start: number, end: number, outcome: PublishOutcome): Promise<void> {
    const texts: string[] = [];
    const objects: unknown[] = [];
    for (let i = start; i < end; i++) {
      texts.push(envelope.elementText(i));
      objects.push(parseElement(envelope, i));
    }
    const { collection } = publication.target;
    const verdicts = await this.validation.validate(texts, objects, { policy: collection.validation, allowCustom: collection.allowCustom });
    const candidates = objects.map((object, k): Candidate => ({ index: k, object, storable: toStorable(object, start + k) }));
    const admitted = this.admit(publication, candidates, verdicts);
    await judgeProvenance(this.store, publication, admitted);
    await this.storeAdmitted(publication, admitted);
    outcome.record(candidates, addedVersions(publication, admitted));
  }

  /**
   * Validation, in order: the candidates that are addressable, within the size limits,
   * accepted by the validator and that the publisher may republish; the others get their failure.
   */
  private admit(publication: Publication, candidates: Candidate[], verdicts: Array<VerdictSummary | null>): Admitted[] {
    const { principal, target, snapshot } = publication;
    const admitted: Admitted[] = [];
    for (const candidate of candidates) {
      const storable = candidate.storable;
      if (isFailure(storable)) {
        candidate.failure = { id: storable.id, version: storable.version, message: storable.message };
        continue;
      }
      const tooLarge = objectLimitProblem(candidate.object, this.objectLimits);
      if (tooLarge !== undefined) {
        candidate.failure = failureOf(storable, `${storable.id}: ${tooLarge}`);
        continue;
      }
      const verdict = verdicts[candidate.index];
      if (!verdict?.accepted) {
        candidate.failure = failureOf(storable, verdict?.message ?? `${storable.id}: not a STIX object`);
        continue;
      }
      const object = candidate.object as StixObject;
      const republishRefusal = this.distributor.republishRefusal(snapshot, principal.id, target.collection.id, object);
      if (republishRefusal !== undefined) {
        candidate.failure = failureOf(storable, republishRefusal);
        continue;
      }
      // The publisher is the provider its agreement speaks for.
      candidate.newVersion = { ...storable, provider: principal.id, pending: true };
      candidate.warning = verdict.message;
      candidate.createdByRef = typeof object.created_by_ref === 'string' ? object.created_by_ref : undefined;
      admitted.push(candidate as Admitted);
    }
    return admitted;
  }

  /** One transaction for the candidates provenance lets be stored; duplicates have their outcome already. */
  private async storeAdmitted(publication: Publication, admitted: Admitted[]): Promise<void> {
    const toStore = admitted.filter((candidate) => candidate.provenance?.kind === 'store');
    const outcomes = await this.store.addObjects(
      publication.target.collection.id,
      toStore.map((candidate) => candidate.newVersion),
    );
    toStore.forEach((candidate, i) => (candidate.outcome = outcomes[i]));
  }

  /** Deletes the versions this request added (not the duplicates, which were there before). */
  private async unstore(publication: Publication, added: readonly BaseVersion[]): Promise<void> {
    const keys = added.map((v) => ({ id: v.id, versionKey: v.versionKey }));
    for (let i = 0; i < keys.length; i += PUBLISH_BATCH) {
      await this.store.deleteVersions(publication.target.collection.id, keys.slice(i, i + PUBLISH_BATCH));
    }
  }

  /** §4.3: a status is readable only by the principal that made the request; others get 404. */
  async getStatus(principal: Principal, rootPath: string, statusId: string): Promise<TaxiiResponse> {
    const root = resolveApiRoot(this.catalog, principal, rootPath);
    const stored = /^[0-9a-f-]{36}$/.test(statusId) ? await this.store.getStatus(root.path, statusId) : undefined;
    if (!stored || stored.owner !== principal.id) throw notFound('The status was not found, or it is not yours.');
    return {
      status: 200,
      body: JSON.stringify(stored.resource),
      headers: {},
      audit: { kind: 'read', action: 'status.get', apiRoot: root.path, details: { endpoint: 'status', statusId } },
    };
  }
}

/**
 * Who may version what, and duplicates judged within the poster's view (provenance.ts):
 * a duplicate gets its outcome, a refused candidate its failure.
 */
async function judgeProvenance(store: ObjectStore & StatusStore, publication: Publication, admitted: Admitted[]): Promise<void> {
  const { principal, target, snapshot } = publication;
  const poster = { principal, identityRef: snapshot.members.get(principal.id)?.identityRef, partition: partitionOf(principal, target) };
  const verdicts = await judgePublish(store, target.collection.id, poster, admitted);
  admitted.forEach((candidate, i) => {
    const provenance = verdicts[i] as ProvenanceVerdict;
    candidate.provenance = provenance;
    if (provenance.kind === 'duplicate') candidate.outcome = { outcome: 'duplicate', version: provenance.version };
    else if (provenance.kind === 'refuse') candidate.failure = failureOf(candidate.newVersion, provenance.message);
  });
}

function failureOf(version: Pick<NewObjectVersion, 'id' | 'version'>, message: string): StatusDetail {
  return { id: version.id, version: version.version ?? '', message };
}

/** The §4.3.1 status resource of a publish. */
type PublishStatus = ReturnType<PublishOutcome['status']>;

/** What a publish did so far, batch by batch: its status details and the versions it added. */
class PublishOutcome {
  private readonly successes: StatusDetail[] = [];
  private readonly refusals: StatusDetail[] = [];
  private readonly provenanceRefusals: StatusDetail[] = [];
  /** The versions added (not the duplicates), in envelope order. */
  readonly added: BaseVersion[] = [];
  /** Each batch's added versions span one date_added range of the collection, holding nothing else. */
  readonly storedRanges: Array<{ from: number; to: number }> = [];

  constructor(
    private readonly requestTimestamp: string,
    private readonly total: number,
  ) {}

  record(candidates: readonly Candidate[], added: readonly BaseVersion[]): void {
    for (const { newVersion, outcome, warning, failure, provenance } of candidates) {
      if (newVersion !== undefined && outcome !== undefined) {
        const message = outcome.outcome === 'duplicate' ? 'already in the collection (exact duplicate)' : warning;
        this.successes.push(message === undefined ? { id: newVersion.id, version: outcome.version } : { id: newVersion.id, version: outcome.version, message });
      } else if (failure !== undefined) {
        (provenance === undefined ? this.refusals : this.provenanceRefusals).push(failure);
      }
    }
    if (added.length === 0) return;
    let from = Infinity;
    let to = -Infinity;
    for (const v of added) {
      this.added.push(v);
      from = Math.min(from, v.dateAdded);
      to = Math.max(to, v.dateAdded);
    }
    this.storedRanges.push({ from, to });
  }

  /** The §4.3.1 status of the request, complete: every object is a success or a failure. */
  status() {
    // Failures as the status has always listed them: refusals before provenance, then provenance's.
    const failures = [...this.refusals, ...this.provenanceRefusals];
    const successes = this.successes;
    // §4.3.1 successes/failures/pendings are optional lists, and §2 prohibits empty
    // lists in place of an omitted property: an empty one is left out.
    return {
      id: uuidv4(),
      status: 'complete',
      request_timestamp: this.requestTimestamp,
      total_count: this.total,
      success_count: successes.length,
      ...(successes.length > 0 ? { successes } : {}),
      failure_count: failures.length,
      ...(failures.length > 0 ? { failures } : {}),
      pending_count: 0,
    };
  }
}

/** The versions a publish added (not the duplicates): what goes to every reader's view. */
function addedVersions(publication: Publication, admitted: Admitted[]): BaseVersion[] {
  const provider = publication.principal.id;
  return admitted.flatMap(({ newVersion, outcome }) => {
    if (outcome?.outcome !== 'added') return [];
    const key = newVersion.versionKey ?? (versionKey(outcome.version) as string);
    return [{ id: newVersion.id, type: newVersion.type, version: outcome.version, versionKey: key, specVersion: newVersion.specVersion, provider, publishedAt: Math.floor(outcome.dateAdded / 1000), dateAdded: outcome.dateAdded, json: newVersion.json }];
  });
}
