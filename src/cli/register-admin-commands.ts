// Wires the admin commands (*-commands.ts, import-export.ts) to commander: each opens
// the store of the configuration, runs, closes the store and exits with the command's code.
import type { Command } from 'commander';
import type { Config } from '../config';
import { aclGrant, aclRevoke } from './acl-commands';
import { openContext, type CliContext } from './cli-context';
import { collectionAdd, collectionList } from './collection-commands';
import { passwordSet, tokenIssue, tokenList, tokenRevoke } from './credential-commands';
import { configApply, configPlan, configValidate } from './directory-file-commands';
import { memberAdd, memberList, memberSetStatus } from './member-commands';
import { mouDelete, mouSet, mouShow } from './mou-commands';
import { releaseObjects } from './release-commands';
import { runCommand } from './run-command';
import { exportCollection, importFile } from './import-export';
import { policyExplain, policySimulate } from './policy-commands';

type LoadConfig = (configFile: string | undefined) => Config;
type WithConfig = { config?: string };

const collect = (value: string, previous: string[]) => [...previous, value];

async function readStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function registerAdminCommands(program: Command, loadConfig: LoadConfig): void {
  /** Runs `fn` over the configured store; the process exits with its code. */
  const run = (opts: WithConfig, fn: (ctx: CliContext) => Promise<number>) => async () => {
    const ctx = await openContext(loadConfig(opts.config));
    let code: number;
    try {
      code = await runCommand(ctx, () => fn(ctx));
    } finally {
      await ctx.hub.close();
    }
    // Let stdout drain (export pipes) before exiting.
    process.exitCode = code;
  };
  const withConfig = (c: Command) => c.option('-c, --config <file>', 'configuration file (default: CONCORD_CONFIG or collections/concord.json)');

  // --- members ---
  const member = program.command('member').description('hub members');
  withConfig(member.command('add').description('add a member (unmanaged: config apply leaves it alone)'))
    .argument('<id>', 'member id (lower-case slug)')
    .requiredOption('--name <name>', 'display name')
    .option('--contact <contact>', 'contact address')
    .option('--identity <identity>', 'the member\'s STIX identity (identity--<uuid>)')
    .option('--group <group>', 'group to join (repeatable)', collect, [])
    .action((id: string, o: WithConfig & { name: string; contact?: string; identity?: string; group: string[] }) => run(o, (ctx) => memberAdd(ctx, id, o))());
  withConfig(member.command('list').description('list members'))
    .option('--json', 'JSON output')
    .action((o: WithConfig & { json?: boolean }) => run(o, (ctx) => memberList(ctx, o))());
  withConfig(member.command('suspend').description('suspend a member: every credential of it stops working at once'))
    .argument('<id>')
    .action((id: string, o: WithConfig) => run(o, (ctx) => memberSetStatus(ctx, id, 'suspended'))());
  withConfig(member.command('resume').description('make a suspended member active again'))
    .argument('<id>')
    .action((id: string, o: WithConfig) => run(o, (ctx) => memberSetStatus(ctx, id, 'active'))());

  // --- credentials ---
  type CredentialOptions = WithConfig & { role?: string; label?: string; expires?: string; expiresIn?: string };
  const credentialOptions = (c: Command) =>
    withConfig(c)
      .requiredOption('--role <role>', 'reader, publisher or admin')
      .option('--label <label>', 'what the credential is for')
      .option('--expires <time>', 'expiry, RFC 3339 (2027-01-01T00:00:00Z)')
      .option('--expires-in <duration>', 'expiry from now: 90d, 12h, 4w …');
  const token = program.command('token').description('API tokens (Bearer)');
  credentialOptions(token.command('issue').description('issue a token; only the token is printed on stdout, once'))
    .argument('<member>')
    .action((m: string, o: CredentialOptions) => run(o, (ctx) => tokenIssue(ctx, m, o))());
  withConfig(token.command('revoke').description('revoke a token or password credential'))
    .argument('<credential-id>')
    .action((id: string, o: WithConfig) => run(o, (ctx) => tokenRevoke(ctx, id))());
  withConfig(token.command('list').description('list credentials (never their secrets)'))
    .argument('[member]')
    .option('--json', 'JSON output')
    .action((m: string | undefined, o: WithConfig & { json?: boolean }) => run(o, (ctx) => tokenList(ctx, m, o))());
  const password = program.command('password').description('HTTP Basic credentials');
  credentialOptions(password.command('set').description('add a username and password; the password is read from stdin, or generated and printed once'))
    .argument('<member>')
    .requiredOption('--username <username>', 'the Basic user-id')
    .action(async (m: string, o: CredentialOptions & { username: string }) => {
      const secret = await readStdin();
      await run(o, (ctx) => passwordSet(ctx, m, o, secret))();
    });

  // --- collections and ACL entries ---
  const collection = program.command('collection').description('collections');
  withConfig(collection.command('add').description('add a collection (prints its id)'))
    .requiredOption('--api-root <path>', 'API root')
    .requiredOption('--title <title>', 'title')
    .option('--id <uuid>', 'collection id (default: a new UUID)')
    .option('--alias <alias>', 'alias usable in URLs')
    .option('--description <text>', 'description')
    .option('--owner <member>', 'the member whose outbox it is (reads and writes it)')
    .option('--validation <policy>', 'strict, standard or permissive', 'standard')
    .action((o: WithConfig & { apiRoot: string; title: string; id?: string; alias?: string; owner?: string; description?: string; validation?: string }) =>
      run(o, (ctx) => collectionAdd(ctx, o))(),
    );
  withConfig(collection.command('list').description('list collections'))
    .option('--json', 'JSON output')
    .action((o: WithConfig & { json?: boolean }) => run(o, (ctx) => collectionList(ctx, o))());
  const acl = program.command('acl').description('collection access');
  withConfig(acl.command('grant').description('grant read and/or write (default: read) on a collection'))
    .argument('<collection>', 'collection id or alias')
    .argument('<grantee>', 'member:<id>, group:<id> or everyone')
    .option('--read', 'may read')
    .option('--write', 'may write')
    .action((c: string, g: string, o: WithConfig & { read?: boolean; write?: boolean }) => run(o, (ctx) => aclGrant(ctx, c, g, o))());
  withConfig(acl.command('revoke').description('remove a grantee\'s entry from a collection'))
    .argument('<collection>')
    .argument('<grantee>')
    .action((c: string, g: string, o: WithConfig) => run(o, (ctx) => aclRevoke(ctx, c, g))());

  // --- MOUs ---
  const mou = program.command('mou').description('sharing agreements (MOUs) of members');
  withConfig(mou.command('show').description('show a member\'s MOU (or the defaults it shares and receives under)'))
    .argument('<member>')
    .option('--json', 'JSON output (the MOU\'s JSON form)')
    .action((m: string, o: WithConfig & { json?: boolean }) => run(o, (ctx) => mouShow(ctx, m, o))());
  withConfig(mou.command('set').description('set a member\'s MOU from a JSON file (its JSON form; absent fields take the defaults)'))
    .argument('<member>')
    .argument('<file>')
    .action((m: string, file: string, o: WithConfig) => run(o, (ctx) => mouSet(ctx, m, file))());
  withConfig(mou.command('delete').description('delete a member\'s MOU: it shares and receives under the defaults again'))
    .argument('<member>')
    .action((m: string, o: WithConfig) => run(o, (ctx) => mouDelete(ctx, m))());
  withConfig(program.command('release').description('release objects of a member whose MOU embargoes until released: the other members see them from now'))
    .argument('<member>')
    .argument('<ids...>', 'STIX ids of the member\'s objects (at most 1000)')
    .action((m: string, ids: string[], o: WithConfig) => run(o, (ctx) => releaseObjects(ctx, m, ids))());

  // --- objects ---
  withConfig(program.command('import').description('publish a bundle or envelope file as a member would POST it (exit 1 if any object is refused)'))
    .argument('<file>')
    .requiredOption('--collection <collection>', 'collection id or alias')
    .requiredOption('--as <member>', 'the publishing member')
    .action((file: string, o: WithConfig & { collection: string; as: string }) => run(o, (ctx) => importFile(ctx, file, o))());
  withConfig(program.command('export').description('write the latest version of every object of a collection to stdout'))
    .requiredOption('--collection <collection>', 'collection id or alias')
    .option('--format <format>', 'envelope or bundle', 'envelope')
    .option('--type <type>', 'only objects of this type (repeatable)', collect, [])
    .action((o: WithConfig & { collection: string; format: string; type: string[] }) => run(o, (ctx) => exportCollection(ctx, o))());

  // --- policy: why a member sees what it sees ---
  const policy = program.command('policy').description('explain and simulate sharing decisions');
  withConfig(policy.command('explain').description('why a member does or does not see an object: access, every reason, transforms, its view (exit 1 if the view disagrees)'))
    .requiredOption('--member <member>', 'the member')
    .requiredOption('--object <id>', 'the STIX id (type--UUID)')
    .option('--json', 'JSON output (as GET /admin/v1/explain)')
    .action((o: WithConfig & { member: string; object: string; json?: boolean }) => run(o, (ctx) => policyExplain(ctx, o))());
  withConfig(policy.command('simulate').description('per collection: how many objects a member sees and why the rest are hidden (exit 1 if a view disagrees)'))
    .requiredOption('--as <member>', 'the member')
    .option('--json', 'JSON output (as GET /admin/v1/simulate)')
    .action((o: WithConfig & { as: string; json?: boolean }) => run(o, (ctx) => policySimulate(ctx, o))());

  // --- declarative directory files ---
  const config = program.command('config').description('the declarative directory files (collections/*.json)');
  withConfig(config.command('validate').description('check the files and the directory they would produce (exit 2 with every problem)'))
    .argument('<dir>')
    .action((dir: string, o: WithConfig) => run(o, (ctx) => configValidate(ctx, dir))());
  withConfig(config.command('plan').description('print what `config apply` would change'))
    .argument('<dir>')
    .action((dir: string, o: WithConfig) => run(o, (ctx) => configPlan(ctx, dir))());
  withConfig(config.command('apply').description('make the store\'s directory match the files'))
    .argument('<dir>')
    .action((dir: string, o: WithConfig) => run(o, (ctx) => configApply(ctx, dir))());
}
