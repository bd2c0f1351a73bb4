// API roots and their collections (TAXII 2.1 §4.2, §5.2), as configured. Issue 4 moves
// them into the store behind the same methods.
import type { ApiRootConfig, CollectionConfig } from '../config';

export class Catalog {
  private readonly roots: Map<string, ApiRootConfig>;

  constructor(apiRoots: ApiRootConfig[]) {
    this.roots = new Map(apiRoots.map((r) => [r.path, r]));
  }

  apiRoots(): ApiRootConfig[] {
    return [...this.roots.values()];
  }

  apiRoot(path: string): ApiRootConfig | undefined {
    return this.roots.get(path);
  }

  /** By id, or by alias (§5.2.1: an alias may stand for the id in URLs). */
  collection(root: ApiRootConfig, idOrAlias: string): CollectionConfig | undefined {
    return root.collections.find((c) => c.id === idOrAlias) ?? root.collections.find((c) => c.alias === idOrAlias);
  }
}
