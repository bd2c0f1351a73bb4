// Limits below the application: URL length, request-head size, timeouts and
// connections per client address, each answered with a TAXII error body (§3.6.1) where
// an answer is still possible, so that clients see the same shape for every refusal.
import crypto from 'node:crypto';
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Logger } from 'pino';
import { TaxiiError } from '../taxii/taxii-error';
import { TAXII_MEDIA_TYPE } from '../taxii/taxii-service';

export interface ServerLimits {
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnectionsPerAddress: number;
}

/** 414 for a URL longer than `maxBytes` (the head as a whole is bounded by maxHeaderBytes). */
export function urlLengthLimit(maxBytes: number) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (Buffer.byteLength(req.originalUrl) <= maxBytes) return next();
    next(new TaxiiError(414, 'URI Too Long', `The URL is longer than ${maxBytes} bytes. Send fewer match[] values per request.`));
  };
}

/** A complete HTTP/1.1 response with a TAXII error body, for a socket the HTTP parser gave up on. */
function rawTaxiiError(status: number, reason: string, description: string, extra: Record<string, string> = {}): string {
  const body = JSON.stringify({ title: reason, description, error_id: crypto.randomUUID(), http_status: String(status) });
  const headers = { 'Content-Type': TAXII_MEDIA_TYPE, 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close', ...extra };
  return `HTTP/1.1 ${status} ${reason}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`;
}

/** The parser's errors, as TAXII errors: too large a head → 431, too slow → 408, malformed → 400. */
function clientErrorResponse(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return rawTaxiiError(431, 'Request Header Fields Too Large', 'The request line and headers are too large.');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return rawTaxiiError(408, 'Request Timeout', 'The request was not received in time.');
    default:
      return rawTaxiiError(400, 'Bad Request', 'The request is not valid HTTP/1.1.');
  }
}

/** Timeouts, parser errors and connections per address, on the listening server. */
export function applyServerLimits(server: http.Server, limits: ServerLimits, logger: Logger): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(err));
  });

  // Connections per address: beyond the limit a new connection is answered 429 and
  // closed, so that one client's hundreds of idle sockets cannot use up the server's.
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const key = ipKeyGenerator(socket.remoteAddress ?? 'unknown');
    const count = (open.get(key) ?? 0) + 1;
    if (count > limits.maxConnectionsPerAddress) {
      logger.warn({ address: socket.remoteAddress, open: count - 1 }, 'connection refused: too many from this address');
      socket.end(
        rawTaxiiError(429, 'Too Many Requests', `At most ${limits.maxConnectionsPerAddress} connections per client address; close idle ones.`, {
          'Retry-After': '1',
        }),
      );
      return;
    }
    open.set(key, count);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left <= 0) open.delete(key);
      else open.set(key, left);
    });
  });
}
