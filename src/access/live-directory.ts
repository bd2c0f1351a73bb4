// Keeps this process's copy of the directory current. Every request asks the store for
// the directory's revision (one indexed read) and reloads the whole directory when it
// moved, so that a change made through any server process (suspending a member,
// revoking a token) takes effect on the next request everywhere.
import type { DirectoryStore } from '../store/store';
import { DirectorySnapshot, EMPTY_DIRECTORY } from './directory-snapshot';

export class LiveDirectory {
  private snapshot: DirectorySnapshot;
  private loading: Promise<DirectorySnapshot> | undefined;

  /** `feedRoot`: where members' personal feeds appear (see DirectorySnapshot). */
  constructor(
    private readonly store: DirectoryStore,
    private readonly feedRoot?: string,
  ) {
    this.snapshot = new DirectorySnapshot(EMPTY_DIRECTORY, feedRoot);
  }

  /** The copy last loaded (synchronous readers: the catalog, within a request). */
  get current(): DirectorySnapshot {
    return this.snapshot;
  }

  /** The current directory, reloaded first if the store's revision moved. */
  async refresh(): Promise<DirectorySnapshot> {
    const revision = await this.store.directoryRevision();
    if (revision === this.snapshot.revision && revision !== 0) return this.snapshot;
    // Concurrent requests share one reload.
    this.loading ??= this.store
      .loadDirectory()
      .then((data) => {
        if (data.revision >= this.snapshot.revision) this.snapshot = new DirectorySnapshot(data, this.feedRoot);
        return this.snapshot;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
