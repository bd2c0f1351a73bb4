// Withdrawal after deletes: deleted base versions leave every view at once, and what a
// member saw only through a deleted object (relationship closure) is withdrawn and waits
// for the object again.
import type { DirectorySnapshot } from '../access/directory-snapshot';
import type { LiveDirectory } from '../access/live-directory';
import type { DeferredDecision } from '../store/store';
import type { StixObject } from '../stix/rules/rule';
import { versionKey } from '../vocabulary/time';
import { parsedObject, type BaseVersions } from './base-versions';
import type { DecisionInputs } from './decision-inputs';
import { referencedIds, referencedObjectIds } from './references';
import type { ViewWriter } from './view-writer';

export class Withdrawal {
  constructor(
    private readonly directory: LiveDirectory,
    private readonly inputs: DecisionInputs,
    private readonly views: ViewWriter,
    private readonly baseVersions: BaseVersions,
  ) {}

  /**
   * After versions of `objectId` were deleted from `collectionId`: removes them from every
   * member's view of the collection and feed (under the pseudonym id too, for a member's
   * identity), then withdraws what members saw only through the object.
   */
  async afterDelete(collectionId: string, objectId: string, versionKeys: string[]): Promise<void> {
    const snapshot = await this.directory.refresh();
    const alias = this.inputs.servedAs(snapshot, objectId);
    await this.views.removeDeleted({ memberIds: snapshot.members.keys(), collectionId, objectIds: alias === undefined ? [objectId] : [objectId, alias], versionKeys });
    await this.withdrawDependents(objectId);
  }

  /**
   * For each member that can no longer see `objectId` anywhere and asks for relationship
   * closure, the relationships and sightings it saw only through that object are withdrawn
   * from its views and wait for the object again.
   */
  async withdrawDependents(objectId: string): Promise<void> {
    const snapshot = await this.directory.refresh();
    for (const member of snapshot.members.values()) {
      if (await this.seesAsServed(snapshot, member.id, objectId)) continue;
      const deferred: DeferredDecision[] = [];
      for (const c of snapshot.collections.values()) {
        if (snapshot.isFeed(c.id)) continue;
        for (const row of await this.views.relationshipsSeenIn(member.id, c.id)) {
          if (!referencedIds(JSON.parse(row.json as string) as StixObject).includes(objectId)) continue;
          const key = versionKey(row.version) as string;
          const base = await this.baseVersions.one(c.id, row.id, key);
          if (!base) continue;
          // Decided again exactly as distribution decides, with what the member sees now.
          const known = new Map<string, boolean>();
          for (const ref of referencedObjectIds(parsedObject(base))) known.set(ref, await this.seesAsServed(snapshot, member.id, ref));
          const decision = this.inputs.decisionFor(snapshot, member, base, known, await this.inputs.releasedFor(snapshot, [base]));
          if (decision.allow) continue;
          await this.views.withdraw(member.id, c.id, row.id, key);
          for (const ref of decision.waitingFor ?? []) {
            deferred.push({ reader: member.id, baseCollection: c.id, objectId: row.id, versionKey: key, waitingFor: ref });
          }
        }
      }
      await this.views.defer(deferred);
    }
  }

  /** Whether the member sees the object, under its own id or the pseudonym it is served under. */
  private async seesAsServed(snapshot: DirectorySnapshot, memberId: string, objectId: string): Promise<boolean> {
    if (await this.views.sees(memberId, objectId)) return true;
    const alias = this.inputs.servedAs(snapshot, objectId);
    return alias !== undefined && (await this.views.sees(memberId, alias));
  }
}
