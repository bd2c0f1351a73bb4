// `config apply DIR` (and `serve` with directory.apply_on_start): read, check, plan, apply.
import type { Actor } from './actor';
import type { AdminService } from './admin-service';
import { readDirectoryFiles } from './directory-files';
import { planDirectory, type PlannedChange } from './directory-plan';

export class DirectoryFilesError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid directory files:\n  - ${problems.join('\n  - ')}`);
    this.name = 'DirectoryFilesError';
  }
}

/** What `config apply` would do now (nothing is changed). */
export async function planFiles(admin: Pick<AdminService, 'directory'>, dir: string): Promise<{ files: string[]; plan: PlannedChange[] }> {
  const { files, spec, problems } = readDirectoryFiles(dir);
  if (problems.length > 0) throw new DirectoryFilesError(problems);
  return { files, plan: planDirectory((await admin.directory.snapshot()).data, spec) };
}

/** Makes the store's directory match the files, in one transaction; returns what it changed. */
export async function applyFiles(admin: Pick<AdminService, 'directory'>, actor: Actor, dir: string): Promise<PlannedChange[]> {
  const { files, spec, problems } = readDirectoryFiles(dir);
  if (problems.length > 0) throw new DirectoryFilesError(problems);
  let applied: PlannedChange[] = [];
  await admin.directory.applyChanges(actor, 'config.apply', { dir, files: files.length }, (snapshot) => {
    applied = planDirectory(snapshot.data, spec);
    return applied.map((p) => p.change);
  });
  return applied;
}
