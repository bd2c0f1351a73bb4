// API roots and their collections (TAXII 2.1 §4.2, §5.2), as the directory holds them.
// Reads the copy the request's authentication brought up to date (live-directory.ts).
import type { ApiRootView, DirectorySnapshot } from '../access/directory-snapshot';
import type { LiveDirectory } from '../access/live-directory';
import type { CollectionRecord } from '../directory/records';

export class Catalog {
  constructor(private readonly directory: LiveDirectory) {}

  /** The directory as of this request. */
  snapshot(): DirectorySnapshot {
    return this.directory.current;
  }

  apiRoots(): ApiRootView[] {
    return [...this.directory.current.roots.values()];
  }

  apiRoot(path: string): ApiRootView | undefined {
    return this.directory.current.roots.get(path);
  }

  /** By id, or by alias (§5.2.1: an alias may stand for the id in URLs). */
  collection(root: ApiRootView, idOrAlias: string): CollectionRecord | undefined {
    return root.collections.find((c) => c.id === idOrAlias) ?? root.collections.find((c) => c.alias === idOrAlias);
  }
}
