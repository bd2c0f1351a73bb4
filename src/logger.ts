import pino, { type DestinationStream, type Logger } from 'pino';

/** The one logger shape: secrets redacted; stdout for the server, stderr for CLI commands. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'concord' },
    redact: { paths: ['authorization', '*.authorization', 'password', 'token'], censor: '[redacted]' },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
