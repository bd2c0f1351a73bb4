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
import { forwardUnmetExpectations } from './host-and-expect';

export interface ServerLimits {
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnectionsPerAddress: number;
}

/** Options for http(s).createServer that go with `applyServerLimits`. */
export function serverOptions(limits: ServerLimits): http.ServerOptions {
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    // Timeouts are checked this often (Node's default, 30 s, would let a 1 s headers_timeout_ms wait 30 s).
    connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4))),
    // Node would answer a missing Host with an empty 400; the application answers a TAXII
    // error instead (host-and-expect.ts).
    requireHostHeader: false,
  };
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
  // No request was parsed, so there is no request id yet: a fresh one, sent as X-Request-Id
  // as well, as the application does.
  const id = crypto.randomUUID();
  const body = JSON.stringify({ title: reason, description, error_id: id, http_status: String(status) });
  const headers = { 'Content-Type': TAXII_MEDIA_TYPE, 'Content-Length': String(Buffer.byteLength(body)), 'X-Request-Id': id, Connection: 'close', ...extra };
  return `HTTP/1.1 ${status} ${reason}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`;
}

/**
 * The parser's errors, as TAXII errors, with the statuses Node's own answers use: too large
 * a head → 431, too large a chunk extension → 413, too slow → 408, anything else → 400.
 */
function clientErrorResponse(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return rawTaxiiError(431, 'Request Header Fields Too Large', 'The request line and headers are too large.');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return rawTaxiiError(413, 'Payload Too Large', 'The chunk extensions of the request body are too large.');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return rawTaxiiError(408, 'Request Timeout', 'The request was not received in time.');
    default:
      return rawTaxiiError(400, 'Bad Request', `The request is not valid HTTP/1.1${err.code?.startsWith('HPE_') ? ` (${err.code})` : ''}.`);
  }
}

/** The response in progress on a socket, if any (Node's own clientError answer checks the same). */
const inFlight = (socket: Socket): http.ServerResponse | undefined => (socket as Socket & { _httpMessage?: http.ServerResponse })._httpMessage;

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
    // Closed once written: the parser cannot go on after an error.
    const refuse = () => {
      if (socket.writable) socket.end(clientErrorResponse(err), () => socket.destroy());
      else socket.destroy();
    };
    const pending = inFlight(socket);
    if (pending && pending.req.complete && !pending.writableFinished) {
      // A pipelined request's error while an earlier, complete request is being answered:
      // that answer first, then the error (responses go in order, RFC 9112 §9.3.2).
      pending.once('finish', refuse);
      pending.once('close', refuse);
    } else if (pending?.headersSent === true) {
      // An error in the body of a request whose answer has begun: another response would
      // corrupt it, so the connection is only closed (as Node does).
      socket.destroy();
    } else refuse();
  });
  forwardUnmetExpectations(server);

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
