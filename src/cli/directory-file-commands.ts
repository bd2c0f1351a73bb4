// `concord config validate|plan|apply DIR`: the declarative directory files (collections/*.json).
import { applyFiles, DirectoryFilesError } from '../admin/apply-files';
import { readDirectoryFiles } from '../admin/directory-files';
import { checkDirectory } from '../admin/directory-integrity';
import { describePlan, planDirectory, type PlannedChange } from '../admin/directory-plan';
import { applyInMemory } from '../directory/changes';
import type { AdminCommandContext } from './cli-context';
import { writeLines } from './cli-output';

type DirectoryContext = AdminCommandContext<'directory'>;

export function summarisePlan(plan: readonly PlannedChange[]): string {
  const n = (a: PlannedChange['action']) => plan.filter((p) => p.action === a).length;
  return `${n('create')} to create, ${n('update')} to update, ${n('delete')} to delete`;
}

/** Every problem of the files, and of the directory applying them would produce. */
export async function configValidate(ctx: DirectoryContext, dir: string): Promise<number> {
  const { files, spec, problems } = readDirectoryFiles(dir);
  if (problems.length === 0) {
    const current = (await ctx.admin.directory.snapshot()).data;
    const plan = planDirectory(current, spec);
    problems.push(...checkDirectory(applyInMemory(current, plan.map((p) => p.change))));
  }
  if (problems.length > 0) {
    writeLines(ctx.stderr, [`${dir}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`, ...problems.map((p) => `  - ${p}`)]);
    return 2;
  }
  ctx.stdout.write(`${dir}: valid (${files.length} file${files.length === 1 ? '' : 's'})\n`);
  return 0;
}

export async function configPlan(ctx: DirectoryContext, dir: string): Promise<number> {
  const { files, spec, problems } = readDirectoryFiles(dir);
  if (problems.length > 0) throw new DirectoryFilesError(problems);
  const current = (await ctx.admin.directory.snapshot()).data;
  const plan = planDirectory(current, spec);
  const after = checkDirectory(applyInMemory(current, plan.map((p) => p.change)));
  if (after.length > 0) throw new DirectoryFilesError(after);
  writeLines(ctx.stdout, describePlan(plan));
  ctx.stdout.write(`${summarisePlan(plan)} (${files.length} files in ${dir})\n`);
  return 0;
}

export async function configApply(ctx: DirectoryContext, dir: string): Promise<number> {
  const applied = await applyFiles(ctx.admin, ctx.actor, dir);
  if (applied.length === 0) {
    ctx.stdout.write('no changes\n');
    return 0;
  }
  writeLines(ctx.stdout, describePlan(applied));
  const n = (a: PlannedChange['action']) => applied.filter((p) => p.action === a).length;
  ctx.stdout.write(`applied: ${n('create')} created, ${n('update')} updated, ${n('delete')} deleted\n`);
  return 0;
}
