// Content negotiation (TAXII 2.1 §1.6.8). Be liberal in what is accepted — a bare
// application/taxii+json, */*, application/json, parameters with spaces, q-values —
// and exact in what is sent: always application/taxii+json;version=2.1.
import Negotiator from 'negotiator';
import type { IncomingMessage } from 'node:http';
import { notAcceptable, unsupportedMediaType } from '../taxii/taxii-error';
import { TAXII_MEDIA_TYPE } from '../taxii/taxii-service';
import { parseMediaRanges, parseMediaType, type MediaType } from './media-type-parser';

// What a client may accept for us to answer in TAXII 2.1 JSON. application/json is
// here because clients such as OpenCTI have sent `application/json, text/plain, */*`.
const TAXII_OFFERS = [TAXII_MEDIA_TYPE, `${TAXII_MEDIA_TYPE};charset=utf-8`];
const FALLBACK_OFFERS = ['application/json', 'application/json;charset=utf-8'];

const TAXII_OR_STIX = new Set(['application/taxii+json', 'application/stix+json']);

/**
 * RFC 6838 §4.3 (named by §1.6.8.2 for the version parameter): a parameter may appear
 * once. The description names it; undefined when none repeats.
 */
function repeatedParameter(mediaType: MediaType, header: string): string | undefined {
  const name = mediaType.repeated[0];
  if (name === undefined) return undefined;
  return `${header} gives the parameter '${name}' more than once in ${mediaType.type}; a media type parameter may appear only once (RFC 6838 §4.3, TAXII 2.1 §1.6.8.2).`;
}

/**
 * Throws 406 unless the Accept header allows a TAXII 2.1 answer. A missing or empty Accept
 * means any. A TAXII or STIX media range that repeats a parameter is refused whatever else
 * Accept lists: which version it asks for cannot be told.
 */
export function assertAcceptable(req: IncomingMessage): void {
  const accept = req.headers.accept;
  if (accept === undefined || accept.trim() === '') return;
  for (const range of parseMediaRanges(accept)) {
    const repeated = TAXII_OR_STIX.has(range.type) ? repeatedParameter(range, 'Accept') : undefined;
    if (repeated !== undefined) throw notAcceptable(`${repeated} This server answers with ${TAXII_MEDIA_TYPE}.`);
  }
  const negotiator = new Negotiator(req);
  if (negotiator.mediaType(TAXII_OFFERS) !== undefined) return;
  // A client that names application/taxii+json but refuses this version (or gives it
  // q=0) is not served through a wildcard or the application/json fallback.
  if (/application\/taxii\+json/i.test(accept)) throw notAcceptable();
  if (negotiator.mediaType(FALLBACK_OFFERS) === undefined) throw notAcceptable();
}

/**
 * POST bodies (§5.5): application/taxii+json with version 2.1 or no version. A STIX
 * bundle sent as application/stix+json (2.1) and plain application/json are also taken:
 * what matters is the body, which is checked on its own. Content-Type on GET is ignored
 * (MISP and Elastic send one).
 */
export function assertPostContentType(req: IncomingMessage): void {
  const header = req.headers['content-type'];
  if (header === undefined) throw unsupportedMediaType('(none)');
  const parsed = parseMediaType(header);
  // Any repeated parameter, whatever the type: a body's media type has one meaning or none.
  const repeated = repeatedParameter(parsed, 'Content-Type');
  if (repeated !== undefined) throw unsupportedMediaType(header.slice(0, 100), repeated);
  const { type, parameters } = parsed;
  const version = parameters.get('version');
  const charset = parameters.get('charset')?.toLowerCase();
  const versionOk =
    type === 'application/json' ||
    ((type === 'application/taxii+json' || type === 'application/stix+json') && (version === undefined || version === '2.1'));
  const charsetOk = charset === undefined || charset === 'utf-8' || charset === 'utf8';
  if (!versionOk || !charsetOk) throw unsupportedMediaType(header.slice(0, 100));
}
