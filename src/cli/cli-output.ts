// How the admin commands print: lines, aligned tables, timestamps.
import type { Writable } from 'node:stream';

export function writeLines(out: Writable, lines: string[]): void {
  if (lines.length > 0) out.write(`${lines.join('\n')}\n`);
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

/** An RFC 3339 timestamp, or `-` for none. */
export const iso = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString());
