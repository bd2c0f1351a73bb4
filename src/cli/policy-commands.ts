// `concord policy explain` and `concord policy simulate`: why a member sees or
// does not see an object, and what it sees of every collection, over the configured store
// (src/sharing/explain.ts), as a readable report — one line per reason — or JSON.
// Exit code 0, or 1 when a member's view disagrees with its decisions (`consistent: false`).
import { levelLabel } from '../sharing/markings';
import { explain, simulate, type AccessExplanation, type Explanation, type Simulation } from '../sharing/explain';
import type { Reason, Transform } from '../sharing/decision';
import { SLUG } from '../directory/names';
import { isStixId } from '../vocabulary/stix-id';
import type { CliContext } from './cli-context';
import { CliError } from './run-command';


async function policyContext(ctx: CliContext) {
  return { snapshot: await ctx.directory.refresh(), sharing: ctx.hub.sharing };
}

const reasonLine = (indent: string, r: Reason) => `${indent}- [${r.rule}] ${r.text}`;

function transformText(t: Transform): string {
  switch (t.kind) {
    case 'pseudonymise':
      return `pseudonymise ${t.identityRef} as ${t.pseudonym}`;
    case 'attribute-to-hub':
      return `attribute to the hub (${t.hubIdentity})`;
    case 'strip-properties':
      return `strip ${t.properties.join(', ')}`;
    case 'strip-references':
      return `strip external_references ${t.indexes.map((i) => `[${i}]`).join(', ')}`;
    case 'redact-granular':
      return `redact ${t.selectors.join(', ')}`;
    case 'redact-refs':
      return `redact references to ${t.ids.join(', ')}`;
  }
}

function accessLines(a: AccessExplanation): string[] {
  return [`  access: ${a.read ? 'reads the collection' : 'does not read the collection'}`, ...a.reasons.map((r) => reasonLine('    ', r))];
}

export function formatExplanation(e: Explanation): string[] {
  const lines = [`${e.member} and ${e.object}: ${e.visible ? 'visible' : 'not visible'}${e.consistent ? '' : ' — VIEW INCONSISTENT'}`];
  for (const c of e.collections) {
    lines.push(`collection ${c.title} (${c.collectionId}, API root ${c.apiRoot})`, ...accessLines(c.access));
    for (const v of c.versions) {
      const marking = v.decision ? `, ${levelLabel(v.decision.marking)}` : '';
      lines.push(`  version ${v.version}${v.latest ? ' (latest)' : ''}, added ${v.dateAdded}${v.provider ? ` by ${v.provider}` : ''}: ${v.status}${marking}`);
      for (const r of v.decision?.reasons ?? []) lines.push(reasonLine('    ', r));
      for (const t of v.decision?.transforms ?? []) lines.push(`    transform: ${transformText(t)}`);
      if (v.decision?.visibleFrom) lines.push(`    visible from ${v.decision.visibleFrom}`);
      if (v.decision?.waitingFor) lines.push(`    waiting for ${v.decision.waitingFor.join(', ')}`);
      const view = v.inView ? 'holds it' : 'does not hold it';
      lines.push(`    view: ${view}${v.consistent ? '' : ` — INCONSISTENT: ${v.note ?? 'the view disagrees with the decision'}`}`);
    }
  }
  return lines;
}

const hiddenText = (by: Record<string, number>) =>
  Object.entries(by)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([rule, n]) => `${n} ${rule}`)
    .join(', ');

export function formatSimulation(s: Simulation): string[] {
  const hidden = s.hidden > 0 ? `; hidden: ${hiddenText(s.hiddenBy)}` : '';
  const lines = [`${s.member} sees ${s.visible} of ${s.total} objects${hidden}${s.consistent ? '' : ' — VIEWS INCONSISTENT'}`];
  for (const c of s.collections) {
    const h = c.hidden > 0 ? `; hidden: ${hiddenText(c.hiddenBy)}` : '';
    lines.push(`${c.title} (${c.collectionId}, API root ${c.apiRoot}): sees ${c.visible} of ${c.total}${h}`);
    lines.push(...accessLines(c.access));
    if (!c.consistent) lines.push(`  INCONSISTENT: the view holds ${c.inView} latest versions; disagreeing objects: ${(c.inconsistent ?? []).join(', ')}`);
  }
  return lines;
}

function print(ctx: CliContext, value: unknown, lines: string[], { json }: { json?: boolean }): void {
  ctx.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${lines.join('\n')}\n`);
}

export async function policyExplain(ctx: CliContext, opts: { member: string; object: string; json?: boolean }): Promise<number> {
  if (!SLUG.test(opts.member)) throw new CliError(`--member must be a member id, got '${opts.member}'`);
  if (!isStixId(opts.object, 'stix')) throw new CliError(`--object must be a STIX identifier (type--UUID), got '${opts.object}'`);
  const { snapshot, sharing } = await policyContext(ctx);
  const e = await explain(snapshot, ctx.store, sharing, opts.member, opts.object);
  print(ctx, e, formatExplanation(e), opts);
  return e.consistent ? 0 : 1;
}

export async function policySimulate(ctx: CliContext, opts: { as: string; json?: boolean }): Promise<number> {
  if (!SLUG.test(opts.as)) throw new CliError(`--as must be a member id, got '${opts.as}'`);
  const { snapshot, sharing } = await policyContext(ctx);
  const s = await simulate(snapshot, ctx.store, sharing, opts.as);
  print(ctx, s, formatSimulation(s), opts);
  return s.consistent ? 0 : 1;
}
