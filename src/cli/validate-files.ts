// `concord validate FILE…`: the gatekeeper offline, with the same code as POST, so a
// member can check a bundle before publishing it.
import fs from 'node:fs';
import type { ValidationPolicy } from '../directory/records';
import { isFailure, toStorable } from '../taxii/storable-object';
import { formatIssue } from '../stix/validation-issue';
import type { StixObject } from '../stix/rules/rule';
import type { StixValidator } from '../stix/stix-validator';
import { refusalMessage } from '../stix/stix-validator';

export interface FileReport {
  file: string;
  /** Set when the file itself could not be read as STIX (not JSON, no objects). */
  problem?: string;
  total: number;
  refused: Array<{ id: string; message: string }>;
  warnings: Array<{ id: string; message: string }>;
}

/** A bundle, a TAXII envelope, a list of objects or a single object. */
function objectsOf(parsed: unknown): unknown[] | undefined {
  if (Array.isArray(parsed)) return parsed;
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const p = parsed as Record<string, unknown>;
  if (Array.isArray(p.objects)) return p.objects;
  if (typeof p.type === 'string' && p.type !== 'bundle') return [p];
  return undefined;
}

export function validateFile(
  file: string,
  validator: StixValidator,
  options: { policy: ValidationPolicy; allowCustom: boolean },
): FileReport {
  const report: FileReport = { file, total: 0, refused: [], warnings: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return { ...report, problem: `not readable as JSON: ${(e as Error).message}` };
  }
  const objects = objectsOf(parsed);
  if (!objects) return { ...report, problem: 'not a STIX bundle, a TAXII envelope, a list of objects or an object' };
  report.total = objects.length;
  objects.forEach((candidate, index) => {
    const storable = toStorable(candidate, index);
    if (isFailure(storable)) {
      report.refused.push({ id: storable.id, message: storable.message });
      return;
    }
    const verdict = validator.validate(candidate as StixObject, options);
    if (!verdict.accepted) report.refused.push({ id: storable.id, message: refusalMessage(storable.id, verdict) });
    for (const w of verdict.warnings) report.warnings.push({ id: storable.id, message: formatIssue(storable.id, w) });
  });
  return report;
}

export function renderReport(reports: FileReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    if (r.problem) {
      lines.push(`${r.file}: ${r.problem}`);
      continue;
    }
    lines.push(`${r.file}: ${r.total} objects, ${r.total - r.refused.length} valid, ${r.refused.length} refused, ${r.warnings.length} warnings`);
    for (const f of r.refused) lines.push(`  refused  ${f.message}`);
    for (const w of r.warnings) lines.push(`  warning  ${w.message}`);
  }
  return `${lines.join('\n')}\n`;
}

export function reportsFailed(reports: FileReport[]): boolean {
  return reports.some((r) => r.problem !== undefined || r.refused.length > 0);
}
