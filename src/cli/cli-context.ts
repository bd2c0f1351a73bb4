// What every `concord` command runs over: the hub of the configuration, built as the
// server builds it, the actor its changes are audited under, and where it writes.
import os from 'node:os';
import type { Writable } from 'node:stream';
import { createLogger } from '../logger';
import type { Config } from '../config';
import type { LiveDirectory } from '../access/live-directory';
import type { Actor } from '../admin/actor';
import type { AdminService } from '../admin/admin-service';
import { HUB_MEMBER_ID } from '../directory/hub-ids';
import type { Store } from '../store/store';
import { openHub, type Hub } from '../hub';

export interface CliContext {
  config: Config;
  /** Every part of the hub, built as the server builds it. */
  hub: Hub;
  store: Store;
  directory: LiveDirectory;
  admin: AdminService;
  actor: Actor;
  stdout: Writable;
  stderr: Writable;
  /** Whether stderr is a terminal (progress bars). */
  stderrIsTTY: boolean;
}

/** What a command over some kinds of resource needs: their admin services, the actor and the output. */
export type AdminCommandContext<K extends keyof AdminService> = Pick<CliContext, 'actor' | 'stdout' | 'stderr'> & {
  admin: Pick<AdminService, K>;
};

export function cliActor(): Actor {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    user = process.env.USER ?? 'unknown';
  }
  return { memberId: HUB_MEMBER_ID, source: `cli:${user}` };
}

/**
 * Opens the hub of the configuration (hub.ts), as the server does: a change that alters what
 * members may see re-materialises their views, and a release reaches the other members,
 * before the command returns. Warnings go to stderr. Close it with `ctx.hub.close()`.
 */
export async function openContext(
  config: Config,
  io: Partial<Pick<CliContext, 'stdout' | 'stderr' | 'stderrIsTTY' | 'actor'>> = {},
): Promise<CliContext> {
  const stderr = io.stderr ?? process.stderr;
  const logger = createLogger('warn', stderr);
  // A command waits for the views a policy change adds: it is done when it returns.
  const hub = await openHub({ ...config, sharing: { ...config.sharing, policyChangeWaitMs: Infinity } }, logger, { validationThreads: 0, compileWhenNeeded: true });
  return {
    config,
    hub,
    store: hub.store,
    directory: hub.directory,
    admin: hub.admin,
    actor: io.actor ?? cliActor(),
    stdout: io.stdout ?? process.stdout,
    stderr,
    stderrIsTTY: io.stderrIsTTY ?? process.stderr.isTTY === true,
  };
}
