/**
 * The OData conventions the simulator shares across routes: Graph error bodies, paging with an opaque
 * `$skiptoken` and a full-URL `@odata.nextLink`, `$select`, and the small `$filter` subset it understands.
 */
import { createHash } from 'node:crypto';

/** One Graph request as the routes see it (a plain HTTP request or one `$batch` item). */
export interface SimRequest {
  method: string;
  version: 'v1.0' | 'beta';
  /** Path below the version, e.g. `/users/{id}/manager`, still percent-encoded. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
  /** Origin the caller used, for `@odata.context` and `@odata.nextLink`. */
  origin: string;
}

/** A response before it is written to the wire or into a `$batch` answer. */
export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Thrown by routes to answer with a Graph error body. */
export class SimHttpError extends Error {
  override readonly name = 'SimHttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Graph's "does not exist" wording for directory objects and navigation properties. */
export function resourceNotFound(what: string): SimHttpError {
  return new SimHttpError(404, 'Request_ResourceNotFound', `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`);
}

/** Reads a query option case-insensitively (`$skipToken` and `$skiptoken` both occur in the wild). */
export function queryOption(query: URLSearchParams, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of query) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/** Applies `$select` to an entity; unknown properties are a 400, as in Graph. */
export function applySelect(req: SimRequest, entity: Record<string, unknown>, allowed: readonly string[], typeName: string): Record<string, unknown> {
  const select = queryOption(req.query, '$select');
  if (!select) return entity;
  const out: Record<string, unknown> = {};
  for (const raw of select.split(',')) {
    const name = raw.trim();
    if (!name) continue;
    if (!allowed.includes(name)) {
      throw new SimHttpError(400, 'BadRequest', `Could not find a property named '${name}' on type '${typeName}'.`);
    }
    out[name] = entity[name] ?? null;
  }
  if ('@odata.type' in entity) out['@odata.type'] = entity['@odata.type'];
  if (!('id' in out) && 'id' in entity) out.id = entity.id;
  return out;
}

/** `$metadata#...` context URL, with the `$select` list when there is one. */
export function contextUrl(req: SimRequest, entitySet: string, single = false): string {
  const select = queryOption(req.query, '$select');
  const projection = select ? `(${select})` : '';
  return `${req.origin}/${req.version}/$metadata#${entitySet}${projection}${single ? '/$entity' : ''}`;
}

interface SkipToken {
  offset: number;
  collection: string;
}

function signature(req: SimRequest): string {
  return createHash('sha1').update(`${req.version}${req.path}`).digest('hex').slice(0, 12);
}

function decodeSkipToken(req: SimRequest, token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as SkipToken;
    if (parsed.collection === signature(req) && Number.isInteger(parsed.offset) && parsed.offset >= 0) return parsed.offset;
  } catch {
    // fall through to the error below
  }
  throw new SimHttpError(400, 'BadRequest', 'The $skiptoken is not valid for this request.');
}

/**
 * One page of a collection. Page size is `$top` (clamped to the tenant's maximum) or the tenant's default;
 * the next page is a full URL with every other query option kept, which is why clients must follow
 * `@odata.nextLink` as-is (https://learn.microsoft.com/en-us/graph/paging).
 */
export function pageOf<T>(req: SimRequest, items: T[], settings: { pageSize: number; maxPageSize: number }, entitySet: string, map: (item: T) => Record<string, unknown>): SimResponse {
  const topRaw = queryOption(req.query, '$top');
  let size = settings.pageSize;
  if (topRaw !== undefined) {
    const top = Number(topRaw);
    if (!Number.isInteger(top) || top < 1) throw new SimHttpError(400, 'BadRequest', `Invalid value '${topRaw}' for $top query option found.`);
    size = Math.min(top, settings.maxPageSize);
  }
  const tokenRaw = queryOption(req.query, '$skiptoken');
  const offset = tokenRaw ? decodeSkipToken(req, tokenRaw) : 0;
  const body: Record<string, unknown> = {
    '@odata.context': contextUrl(req, entitySet),
    value: items.slice(offset, offset + size).map(map),
  };
  if (offset + size < items.length) {
    const next = new URLSearchParams();
    for (const [k, v] of req.query) if (k.toLowerCase() !== '$skiptoken') next.append(k, v);
    next.append('$skiptoken', Buffer.from(JSON.stringify({ offset: offset + size, collection: signature(req) } satisfies SkipToken)).toString('base64url'));
    body['@odata.nextLink'] = `${req.origin}/${req.version}${req.path}?${next.toString().replace(/%24/g, '$').replace(/\+/g, '%20')}`;
  }
  return { status: 200, body };
}

/** One `prop eq 'value'` clause of a `$filter`. */
export interface EqualityClause {
  property: string;
  value: string;
}

/**
 * Parses `a eq 'x' or a eq 'y'` / `and` chains of equality clauses; undefined when the filter is anything else.
 * Routes decide per property whether to honour, ignore or reject a clause, as Graph does per API.
 */
export function parseEqualityFilter(filter: string): { clauses: EqualityClause[]; joiner: 'and' | 'or' } | undefined {
  const parts = filter.split(/\s+(and|or)\s+/i);
  const clauses: EqualityClause[] = [];
  const joiners = new Set<string>();
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 1) {
      joiners.add(parts[i].toLowerCase());
      continue;
    }
    const m = /^\s*\(?\s*([A-Za-z][\w/]*)\s+eq\s+'((?:[^']|'')*)'\s*\)?\s*$/i.exec(parts[i]);
    if (!m) return undefined;
    clauses.push({ property: m[1], value: m[2].replace(/''/g, "'") });
  }
  if (joiners.size > 1) return undefined;
  return { clauses, joiner: joiners.has('and') ? 'and' : 'or' };
}
