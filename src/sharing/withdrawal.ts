// Withdrawal after deletes: deleted base versions leave every view at once, and what an
// audience class saw only through a deleted object (relationship closure) is withdrawn and
// waits for the object again.
import { audienceClasses } from '../access/audience-classes';
import type { DirectorySnapshot } from '../access/directory-snapshot';
import type { LiveDirectory } from '../access/live-directory';
import type { DeferredDecision } from '../store/store';
import type { StixObject } from '../stix/rules/rule';
import { versionKey } from '../vocabulary/time';
import { parsedObject, type BaseVersions } from './base-versions';
import type { DecisionInputs } from './decision-inputs';
import { derivedRow } from './derived-row';
import { referencedObjectIds } from './references';
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
   * class's view of the collection and feed (under the pseudonym id too, for a member's
   * identity), then withdraws what classes saw only through the object.
   */
  async afterDelete(collectionId: string, objectId: string, versionKeys: string[]): Promise<void> {
    const snapshot = await this.directory.refresh();
    const alias = this.inputs.servedAs(snapshot, objectId);
    const classIds = audienceClasses(snapshot).readersOf(collectionId).map((c) => c.id);
    await this.views.removeDeleted({ classIds, collectionId, objectIds: alias === undefined ? [objectId] : [objectId, alias], versionKeys });
    await this.withdrawDependents(objectId);
  }

  /**
   * For each class that can no longer see `objectId` anywhere, everything in its views that
   * names it is decided again: a relationship or sighting it saw only through that object
   * (relationship closure) is withdrawn and waits for the object again; any other object
   * is served again with the reference redacted (its new form gets a new date_added, so
   * that pollers pick it up), or withdrawn and waits when it may not go without it.
   */
  async withdrawDependents(objectId: string): Promise<void> {
    const snapshot = await this.directory.refresh();
    for (const cls of audienceClasses(snapshot).all()) {
      if (await this.seesAsServed(snapshot, cls.id, objectId)) continue;
      const deferred: DeferredDecision[] = [];
      for (const collectionId of cls.collections) {
        for (const row of await this.views.rowsSeenIn(cls.id, collectionId)) {
          if (!referencedObjectIds(JSON.parse(row.json as string) as StixObject).includes(objectId)) continue;
          const key = versionKey(row.version) as string;
          const base = await this.baseVersions.one(collectionId, row.id, key);
          if (!base) continue;
          // Decided again exactly as distribution decides, with what the member sees now.
          const known = new Map<string, boolean>();
          for (const ref of referencedObjectIds(parsedObject(base))) known.set(ref, await this.seesAsServed(snapshot, cls.id, ref));
          const decision = this.inputs.classDecision(snapshot, cls, base, known, await this.inputs.releasedFor(snapshot, [base]));
          if (decision.allow) {
            const again = derivedRow(base, collectionId, decision, parsedObject(base));
            if ((again.json === '' ? base.json : again.json) === row.json) continue;
            await this.views.withdraw(cls.id, collectionId, row.id, key);
            await this.views.addVisible([{ classId: cls.id, collectionId, rows: [again] }]);
            continue;
          }
          await this.views.withdraw(cls.id, collectionId, row.id, key);
          for (const ref of decision.waitingFor ?? []) {
            deferred.push({ reader: cls.id, baseCollection: collectionId, objectId: row.id, versionKey: key, waitingFor: ref });
          }
        }
      }
      await this.views.defer(deferred);
    }
  }

  /** Whether the class sees the object, under its own id or the pseudonym it is served under. */
  private async seesAsServed(snapshot: DirectorySnapshot, classId: string, objectId: string): Promise<boolean> {
    if (await this.views.sees(classId, objectId)) return true;
    const alias = this.inputs.servedAs(snapshot, objectId);
    return alias !== undefined && (await this.views.sees(classId, alias));
  }
}
