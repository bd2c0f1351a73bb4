// A command's expected failures (bad arguments, refused changes) become a message on stderr
// and an exit code: 2 for a bad request, 1 for anything refused or missing.
import type { Writable } from 'node:stream';
import { AdminError } from '../admin/admin-error';
import { DirectoryFilesError } from '../admin/apply-files';
import { NothingToExplain } from '../sharing/explain';
import { TaxiiError } from '../taxii/taxii-error';

/** An expected failure: its message is printed without a stack, with this exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Runs a command: expected errors become a message on stderr and an exit code. */
export async function runCommand(ctx: { stderr: Writable }, command: () => Promise<number>): Promise<number> {
  try {
    return await command();
  } catch (e) {
    const code = expectedError(e);
    if (!code) throw e;
    ctx.stderr.write(`${code.message}\n`);
    return code.exitCode;
  }
}

function expectedError(e: unknown): { message: string; exitCode: 1 | 2 } | undefined {
  if (e instanceof CliError) return { message: e.message, exitCode: e.exitCode };
  if (e instanceof AdminError) {
    const message = e.problems.length > 1 ? `${e.problems.length} problems:\n  - ${e.problems.join('\n  - ')}` : e.message;
    return { message, exitCode: e.status === 400 ? 2 : 1 };
  }
  if (e instanceof DirectoryFilesError) return { message: e.message, exitCode: 2 };
  if (e instanceof NothingToExplain) return { message: e.message, exitCode: 1 };
  if (e instanceof TaxiiError) return { message: `${e.title}: ${e.description ?? ''}`.trim(), exitCode: 1 };
  return undefined;
}
