/**
 * The Teams tab's door into the product: its built pages under /tab/ and a JSON API under /api/tab/. Every API
 * call is signed in by the Teams SSO token (validated here, never trusted from the page) and resolved into the
 * same `Actor` as a chat turn; reads go through the same read models and decisions through the same use case as
 * the cards, so a decision here updates the cards in chat through the request's own effects.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import restify from 'restify';
import { z } from 'zod';
import { StaleCardError, type OnboardingService } from '../services/onboarding/onboardingService';
import { RolesUnavailableError } from '../services/onboarding/roleResolver';
import type { AuditRepository } from '../services/storage/auditRepository';
import type { RequestRepository } from '../services/storage/requestRepository';
import { InvalidTransitionError, NotAuthorizedError, NotFoundError, ValidationError } from '../services/workflow/errors';
import type { OnboardingRequest, RequestState } from '../services/workflow/model';
import type { Actor, Role } from '../services/workflow/transition';
import type { Logger } from './logger';
import { SsoTokenError, type SsoTokenValidator } from './ssoTokenValidator';
import { auditView, maySee, mayAudit, pagesFor, requestView, type MeView } from './tabViews';

type UserActor = Extract<Actor, { kind: 'user' }>;

/** What the tab API needs. */
export interface TabApiOptions {
  /** Absent when single sign-on is not configured: the API then answers 503. */
  validator?: SsoTokenValidator;
  roles: { rolesOf(aadObjectId: string): Promise<Role[]> };
  service: Pick<OnboardingService, 'get' | 'listFor' | 'apply'>;
  requests: Pick<RequestRepository, 'listByApprover' | 'listByState' | 'findByReference'>;
  audit: Pick<AuditRepository, 'listForRequest' | 'verifyChain'>;
  /** The built front end (tab/dist). */
  distDir: string;
  /** Local mode only: where the Graph simulator mints tokens for demo users, and the audience to ask for. */
  devSignIn?: { url: string; audience: string };
  logger: Logger;
}

/** A person asked for something their roles do not allow. */
export class TabForbiddenError extends Error {
  override readonly name = 'TabForbiddenError';
  constructor(
    readonly aadObjectId: string,
    what: string,
  ) {
    super(`${what} is not allowed for this user`);
  }
}

/** The states IT Security lists; each is one tab of the IT page. */
export const IT_STATES: readonly RequestState[] = [
  'pendingItReview',
  'pendingApproval',
  'awaitingConsent',
  'awaitingEnrollment',
  'nonCompliant',
  'complianceUndetermined',
  'granting',
  'granted',
  'denied',
  'cancelled',
  'consentDeclined',
  'expired',
];

const decisionBody = z.object({
  decision: z.enum(['approve', 'deny']),
  version: z.number().int().positive(),
  reason: z.string().trim().max(500).optional(),
  comment: z.string().trim().max(500).optional(),
});

/**
 * Where Teams may frame the tab (its web, desktop and mobile hosts), and this origin for the local host page.
 * https://learn.microsoft.com/en-us/microsoftteams/platform/tabs/how-to/tab-requirements
 */
const FRAME_ANCESTORS = [
  "'self'",
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://*.teams.microsoft.us',
  'https://*.cloud.microsoft',
  'https://*.office.com',
  'https://*.microsoft365.com',
  'https://*.skype.com',
].join(' ');

/** Registers /tab/ and /api/tab/ on the bot's server. */
export function registerTabApi(server: restify.Server, options: TabApiOptions): void {
  const { validator, roles, service, requests, audit, logger } = options;

  /** The signed-in person, from the bearer token and the database's view of their roles. */
  async function signIn(req: restify.Request): Promise<UserActor> {
    if (!validator) throw new TabUnavailableError('Single sign-on for the tab is not configured on the server.');
    const header = req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const identity = await validator.validate(m?.[1]);
    return { kind: 'user', aadObjectId: identity.aadObjectId, displayName: identity.displayName, roles: await roles.rolesOf(identity.aadObjectId) };
  }

  /** One authenticated JSON route: sign-in, then the handler; domain refusals become 4xx. */
  const route = (handler: (actor: UserActor, req: restify.Request) => Promise<unknown>) => async (req: restify.Request, res: restify.Response) => {
    res.header('Cache-Control', 'no-store');
    let actor: UserActor | undefined;
    try {
      actor = await signIn(req);
      res.send(200, await handler(actor, req));
    } catch (e) {
      const [status, body] = answerFor(e);
      if (status === 401) res.header('WWW-Authenticate', `Bearer error="invalid_token"`);
      if (status >= 500) logger.error({ err: e, path: req.path() }, 'tab request failed');
      else logger.info({ path: req.path(), status, refusal: (e as Error).name, reason: (e as SsoTokenError).reason, user: actor?.aadObjectId }, 'tab request refused');
      res.send(status, body);
    }
  };

  const requireRole = (actor: UserActor, allowed: (roles: readonly Role[]) => boolean, what: string) => {
    if (!allowed(actor.roles)) throw new TabForbiddenError(actor.aadObjectId, what);
  };

  /** A request by id or by its reference (DEV-XXXXX). */
  const findRequest = async (idOrReference: string): Promise<OnboardingRequest> => {
    if (/^DEV-/i.test(idOrReference)) {
      const r = await requests.findByReference(idOrReference.toUpperCase());
      if (!r) throw new NotFoundError('request', idOrReference);
      return r;
    }
    return service.get(idOrReference);
  };

  server.get('/api/tab/config', async (_req, res) => {
    res.header('Cache-Control', 'no-store');
    const dev = options.devSignIn;
    res.send(200, {
      signIn: validator ? 'teams' : 'unavailable',
      devSignIn: dev && { tokenUrl: `${dev.url}/_sim/entra/token`, usersUrl: `${dev.url}/_sim/entra/users`, audience: dev.audience },
    });
  });

  server.get(
    '/api/tab/me',
    route(async (actor): Promise<MeView> => ({ aadObjectId: actor.aadObjectId, displayName: actor.displayName, roles: [...actor.roles], pages: pagesFor(actor.roles) })),
  );

  server.get(
    '/api/tab/requests/mine',
    route(async (actor) => ({ requests: (await service.listFor(actor.aadObjectId)).map((r) => requestView(r, actor)) })),
  );

  server.get(
    '/api/tab/approvals',
    route(async (actor) => ({ requests: (await requests.listByApprover(actor.aadObjectId, 'pendingApproval')).map((r) => requestView(r, actor)) })),
  );

  server.post(
    '/api/tab/approvals/:id/decision',
    route(async (actor, req) => {
      const parsed = decisionBody.safeParse(req.body);
      if (!parsed.success) throw new ValidationError(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`));
      const { decision, version, reason, comment } = parsed.data;
      // The same use case, guards and stale-version check as the approval card.
      const event = decision === 'approve' ? { type: 'approve' as const, comment } : { type: 'deny' as const, reason: reason ?? '', comment };
      const updated = await service.apply(String(req.params.id), event, actor, version);
      return { request: requestView(updated, actor) };
    }),
  );

  server.get(
    '/api/tab/it/requests',
    route(async (actor, req) => {
      requireRole(actor, (r) => r.includes('itSecurity'), 'The IT Security page');
      const state = (new URL(req.url ?? '', 'http://x').searchParams.get('state') ?? 'pendingItReview') as RequestState;
      if (!IT_STATES.includes(state)) throw new ValidationError([`state: must be one of ${IT_STATES.join(', ')}`]);
      return { state, states: IT_STATES, requests: (await requests.listByState(state)).map((r) => requestView(r, actor)) };
    }),
  );

  server.get(
    '/api/tab/audit/:requestId',
    route(async (actor, req) => {
      requireRole(actor, mayAudit, 'Audit verification');
      const request = await findRequest(String(req.params.requestId));
      if (!maySee(request, actor)) throw new TabForbiddenError(actor.aadObjectId, 'This request');
      const [entries, firstBroken] = await Promise.all([audit.listForRequest(request._id), audit.verifyChain(request._id)]);
      return auditView(request, entries, firstBroken, actor);
    }),
  );

  // The built pages. The local Teams host page exists only in local mode (it signs in demo users).
  const pages = restify.plugins.serveStaticFiles(path.resolve(options.distDir), {
    setHeaders: (res) => {
      res.setHeader('Content-Security-Policy', `frame-ancestors ${FRAME_ANCESTORS}`);
      res.setHeader('X-Content-Type-Options', 'nosniff');
    },
  });
  server.get('/tab', (_req, res, next) => {
    res.redirect(302, '/tab/', next);
  });
  server.get('/tab/*', (req, res, next) => {
    if (!options.devSignIn && /^\/tab\/host(\.html)?$/.test(req.path())) {
      res.send(404, { error: 'Not found' });
      return next(false);
    }
    if (!existsSync(path.join(options.distDir, 'index.html'))) {
      res.send(503, { error: 'The tab is not built: run npm run build' });
      return next(false);
    }
    return pages(req, res, next);
  });
}

/** The tab cannot serve now (sign-in not configured, keys or roles unreachable). */
export class TabUnavailableError extends Error {
  override readonly name = 'TabUnavailableError';
}

function answerFor(e: unknown): [number, Record<string, unknown>] {
  if (e instanceof SsoTokenError) {
    return e.reason === 'keysUnavailable' ? [503, { error: 'Sign-in cannot be checked right now. Try again shortly.' }] : [401, { error: 'Sign-in required', reason: e.reason }];
  }
  if (e instanceof TabUnavailableError) return [503, { error: e.message }];
  if (e instanceof RolesUnavailableError) return [503, { error: 'Your roles cannot be looked up right now. Try again shortly.' }];
  if (e instanceof TabForbiddenError || e instanceof NotAuthorizedError) return [403, { error: 'You are not allowed to do this.' }];
  if (e instanceof NotFoundError) return [404, { error: 'Request not found.' }];
  if (e instanceof ValidationError) return [400, { error: 'Please check your input.', problems: e.problems }];
  if (e instanceof StaleCardError) return [409, { error: 'This request changed since you opened it; here is where it stands now.', current: e.request.state }];
  if (e instanceof InvalidTransitionError) return [409, { error: 'This request has already moved on.' }];
  return [500, { error: 'Something went wrong on our side.' }];
}
