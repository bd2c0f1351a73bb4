#!/usr/bin/env node
// `concord` command line.
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config';
import type { ValidationPolicy } from '../directory/records';
import { StixValidator } from '../stix/stix-validator';
import { renderReport, reportsFailed, validateFile } from './validate-files';
import { createLogger } from '../logger';
import { serve } from '../serve';
import { registerAdminCommands } from './register-admin-commands';

const program = new Command();
program.name('concord').description('Concord: a TAXII 2.1 server and STIX 2.1 sharing hub');
// Usage errors (unknown option, missing argument) exit 2, like validation errors.
// Set before the commands are added, so that they inherit it.
program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 2);
});


program
  .command('serve')
  .description('serve TAXII 2.1 (configuration: CONCORD_CONFIG, default collections/concord.json, and CONCORD_* variables)')
  .option('-c, --config <file>', 'configuration file')
  .option('-p, --port <port>', 'port to listen on')
  .option('--host <host>', 'address to listen on')
  .action(async (opts: { config?: string; port?: string; host?: string }) => {
    const env = { ...process.env };
    if (opts.config) env.CONCORD_CONFIG = opts.config;
    if (opts.port) env.CONCORD_PORT = opts.port;
    if (opts.host) env.CONCORD_HOST = opts.host;
    const config = loadConfigOrExit(env);
    const logger = createLogger(config.logLevel);
    const running = await serve(config, logger);
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down: finishing in-flight requests');
      running.close().then(
        () => process.exit(0),
        (e: unknown) => {
          logger.error({ err: e }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });

program
  .command('config-check')
  .description('validate the configuration and list every problem')
  .option('-c, --config <file>', 'configuration file')
  .action((opts: { config?: string }) => {
    const env = { ...process.env };
    if (opts.config) env.CONCORD_CONFIG = opts.config;
    const config = loadConfigOrExit(env);
    process.stdout.write(`${config.source}: valid (directory files in ${config.directory.dir})\n`);
  });

program
  .command('validate')
  .description('check STIX 2.1 bundles, envelopes or objects offline, as a POST would (exit 1 if anything is refused)')
  .argument('<files...>', 'JSON files')
  .option('--policy <policy>', 'strict, standard or permissive', 'standard')
  .option('--no-custom', 'refuse custom objects and properties')
  .action((files: string[], opts: { policy: string; custom: boolean }) => {
    if (!['strict', 'standard', 'permissive'].includes(opts.policy)) {
      process.stderr.write(`--policy must be strict, standard or permissive, got '${opts.policy}'\n`);
      process.exit(2);
    }
    const validator = StixValidator.load();
    const options = { policy: opts.policy as ValidationPolicy, allowCustom: opts.custom };
    const reports = files.map((f) => validateFile(f, validator, options));
    process.stdout.write(renderReport(reports));
    process.exit(reportsFailed(reports) ? 1 : 0);
  });

registerAdminCommands(program, (configFile) => {
  const env = { ...process.env };
  if (configFile) env.CONCORD_CONFIG = configFile;
  return loadConfigOrExit(env);
});

function loadConfigOrExit(env: NodeJS.ProcessEnv) {
  try {
    return loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
