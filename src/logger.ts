import pino, { type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'concord' },
    redact: { paths: ['authorization', '*.authorization', 'password', 'token'], censor: '[redacted]' },
  });
}
