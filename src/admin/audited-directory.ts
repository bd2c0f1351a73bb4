// The core of the admin use cases, shared by the admin API, the CLI and `config apply`:
// every change is built against a fresh copy of the directory, checked
// (directory-integrity.ts) on the directory it would produce, written in one transaction
// with its audit entry, and retried when another admin changed the directory in between.
import type { LiveDirectory } from '../access/live-directory';
import type { DirectorySnapshot } from '../access/directory-snapshot';
import { termsEpoch, termsEpochChange } from '../access/provider-terms';
import { applyInMemory } from '../directory/changes';
import { DirectoryConflict, type AuditEntry, type DirectoryChange, type DirectoryData } from '../directory/records';
import type { Store } from '../store/store';
import type { Actor } from './actor';
import { AdminError } from './admin-error';
import { checkDirectory } from './directory-integrity';

/** Told of every directory change once it is stored (the sharing layer re-materialises what it changes). */
export type DirectoryListener = (before: DirectoryData, after: DirectoryData) => Promise<void>;

/** Builds the changes to make from the directory as it stands; none: nothing to do. */
export type ChangeBuilder = (snapshot: DirectorySnapshot) => DirectoryChange[];

const RETRIES = 5;

export class AuditedDirectory {
  private readonly listeners: DirectoryListener[] = [];

  constructor(
    private readonly store: Pick<Store, 'applyDirectoryChanges' | 'appendAudit'>,
    private readonly directory: LiveDirectory,
    private readonly now: () => number = Date.now,
  ) {}

  onChange(listener: DirectoryListener): void {
    this.listeners.push(listener);
  }

  snapshot(): Promise<DirectorySnapshot> {
    return this.directory.refresh();
  }

  /**
   * Makes the changes `build` returns in one transaction with one audit entry (`action`,
   * `details` and how many changes), then tells the listeners; returns the new revision.
   */
  async applyChanges(actor: Actor, action: string, details: Record<string, unknown>, build: ChangeBuilder): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const snapshot = await this.directory.refresh();
      const changes = build(snapshot);
      if (changes.length === 0) return snapshot.revision;
      const next = applyInMemory(snapshot.data, changes);
      const problems = checkDirectory(next);
      if (problems.length > 0) throw new AdminError(problemStatus(problems), problems.join('; '), problems);
      const audit = this.auditEntry(actor, action, { ...details, changes: changes.length });
      // Written with the change, so that no read ever pairs the new terms with views decided under the old.
      const epoch = termsEpochChange(snapshot, next);
      if (epoch !== undefined) {
        changes.push(epoch);
        audit.details = { ...audit.details, termsEpoch: termsEpoch(next) + 1 };
      }
      try {
        const revision = await this.store.applyDirectoryChanges(changes, [audit], snapshot.revision);
        const after = await this.directory.refresh();
        for (const listener of this.listeners) await listener(snapshot.data, after.data);
        return revision;
      } catch (e) {
        if (!(e instanceof DirectoryConflict) || attempt >= RETRIES) throw e;
      }
    }
  }

  /** An admin action that changes no directory record (a release) still goes into the audit log. */
  async record(actor: Actor, action: string, details: Record<string, unknown>): Promise<void> {
    await this.store.appendAudit([this.auditEntry(actor, action, details)]);
  }

  private auditEntry(actor: Actor, action: string, details: Record<string, unknown>): AuditEntry {
    return {
      at: this.now(),
      kind: 'admin',
      action,
      memberId: actor.memberId,
      ...(actor.credentialPrefix !== undefined ? { credentialPrefix: actor.credentialPrefix } : {}),
      ...(actor.requestId !== undefined ? { requestId: actor.requestId } : {}),
      ...(actor.source !== undefined ? { source: actor.source } : {}),
      ...(typeof details.collection === 'string' ? { collectionId: details.collection } : {}),
      details,
    };
  }
}

/** Name clashes are conflicts (409); anything else is a bad request (400). */
function problemStatus(problems: string[]): 400 | 409 {
  return problems.every((p) => /declared twice|already in use|is used by two/.test(p)) ? 409 : 400;
}
