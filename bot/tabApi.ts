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
import { queryParam, registerTabRecordRoutes, TabUnavailableError, type TabRecordsDeps } from './tabRecordsApi';
import { auditView, maySee, mayAudit, pagesFor, requestView, type MeView } from './tabViews';
import { isPermitted, PRIVILEGED_ACTIONS } from '../services/governance/authorization';
import { ActionNotPermittedError } from '../services/governance/authorization';
import { LedgerTransitionError } from '../services/consent/consentLedger';
import { WithdrawalBusyError } from '../services/consent/consentWithdrawal';
import { OperatorNotAuthorizedError } from '../services/consent/operatorAuditLog';

export { TabUnavailableError } from './tabRecordsApi';

export type UserActor = Extract<Actor, { kind: 'user' }>;

/** A file the API answers with instead of JSON. */
export interface TabDownload {
  filename: string;
  contentType: string;
  body: string;
}

/** The helpers every tab route is built with. */
export interface TabRouteKit {
  route(handler: (actor: UserActor, req: restify.Request) => Promise<unknown>): (req: restify.Request, res: restify.Response) => Promise<void>;
  download(handler: (actor: UserActor, req: restify.Request) => Promise<TabDownload>): (req: restify.Request, res: restify.Response) => Promise<void>;
  requireRole(actor: UserActor, allowed: (roles: readonly Role[]) => boolean, what: string): void;
  findRequest(idOrReference: string): Promise<OnboardingRequest>;
}


/** What the tab API needs. */
export interface TabApiOptions {
  /** Absent when single sign-on is not configured: the API then answers 503. */
  validator?: SsoTokenValidator;
  roles: { rolesOf(aadObjectId: string): Promise<Role[]> };
  service: Pick<OnboardingService, 'get' | 'listFor' | 'apply'>;
  requests: Pick<RequestRepository, 'pageWaitingFor' | 'pageByState' | 'findByReference'>;
  audit: Pick<AuditRepository, 'listForRequest' | 'verifyChain' | 'queuedFor'>;
  /** Devices, consents, people, evidence and exports (the tab's record pages); absent: those routes answer 503. */
  records?: TabRecordsDeps;
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

  /** One authenticated route: sign-in, then the handler; domain refusals become 4xx. */
  const respond = (handler: (actor: UserActor, req: restify.Request, res: restify.Response) => Promise<void>) => async (req: restify.Request, res: restify.Response) => {
    res.header('Cache-Control', 'no-store');
    let actor: UserActor | undefined;
    try {
      actor = await signIn(req);
      await handler(actor, req, res);
    } catch (e) {
      const [status, body] = answerFor(e);
      if (status === 401) res.header('WWW-Authenticate', `Bearer error="invalid_token"`);
      if (status >= 500) logger.error({ err: e, path: req.path() }, 'tab request failed');
      else logger.info({ path: req.path(), status, refusal: (e as Error).name, reason: (e as SsoTokenError).reason, user: actor?.aadObjectId }, 'tab request refused');
      res.send(status, body);
    }
  };
  /** A JSON route. */
  const route: TabRouteKit['route'] = (handler) =>
    respond(async (actor, req, res) => {
      res.send(200, await handler(actor, req));
    });
  /** A file download (the page fetches it with its token and saves it). */
  const download: TabRouteKit['download'] = (handler) =>
    respond(async (actor, req, res) => {
      const file = await handler(actor, req);
      res.sendRaw(200, file.body, {
        'Content-Type': file.contentType,
        'Content-Disposition': `attachment; filename="${file.filename.replace(/[^\w.-]/g, '_')}"`,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      });
    });

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
    route(
      async (actor): Promise<MeView> => ({
        aadObjectId: actor.aadObjectId,
        displayName: actor.displayName,
        roles: [...actor.roles],
        pages: pagesFor(actor.roles),
        permissions: PRIVILEGED_ACTIONS.filter((a) => isPermitted(actor.roles, a)),
      }),
    ),
  );

  server.get(
    '/api/tab/requests/mine',
    route(async (actor) => ({ requests: (await service.listFor(actor.aadObjectId)).map((r) => requestView(r, actor)) })),
  );

  server.get(
    '/api/tab/approvals',
    route(async (actor, req) => {
      // Requests waiting for this person, including those delegated to them (they are the recorded approver).
      const page = await requests.pageWaitingFor(actor.aadObjectId, queryParam(req, 'after'));
      return { requests: page.items.map((r) => requestView(r, actor)), next: page.next };
    }),
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
      const page = await requests.pageByState(state, queryParam(req, 'after'));
      return { state, states: IT_STATES, requests: page.items.map((r) => requestView(r, actor)), next: page.next };
    }),
  );

  server.get(
    '/api/tab/audit/:requestId',
    route(async (actor, req) => {
      requireRole(actor, mayAudit, 'Audit verification');
      const request = await findRequest(String(req.params.requestId));
      if (!maySee(request, actor)) throw new TabForbiddenError(actor.aadObjectId, 'This request');
      const [entries, firstBroken, queued] = await Promise.all([audit.listForRequest(request._id), audit.verifyChain(request._id), audit.queuedFor(request)]);
      // Records of the latest transitions may still wait in the shared outbox: shown as pending, like the request's own queue.
      const waiting = queued.map((entry) => ({ id: entry._id, effect: { type: 'recordAudit' as const, entry }, createdAt: entry.at }));
      return auditView({ ...request, outbox: [...request.outbox, ...waiting] }, entries, firstBroken, actor);
    }),
  );

  registerTabRecordRoutes(server, { route, download, requireRole, findRequest }, options.records);

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


function answerFor(e: unknown): [number, Record<string, unknown>] {
  if (e instanceof SsoTokenError) {
    return e.reason === 'keysUnavailable' ? [503, { error: 'Sign-in cannot be checked right now. Try again shortly.' }] : [401, { error: 'Sign-in required', reason: e.reason }];
  }
  if (e instanceof TabUnavailableError) return [503, { error: e.message }];
  if (e instanceof RolesUnavailableError) return [503, { error: 'Your roles cannot be looked up right now. Try again shortly.' }];
  if (e instanceof TabForbiddenError || e instanceof NotAuthorizedError || e instanceof ActionNotPermittedError || e instanceof OperatorNotAuthorizedError) {
    return [403, { error: 'You are not allowed to do this.' }];
  }
  if (e instanceof LedgerTransitionError) return [409, { error: 'There is no standing consent for that device.' }];
  if (e instanceof WithdrawalBusyError) return [409, { error: 'Work access for this device is being switched on right now. Try again in a minute.' }];
  if (e instanceof NotFoundError) return [404, { error: 'Not found.' }];
  if (e instanceof ValidationError) return [400, { error: 'Please check your input.', problems: e.problems }];
  if (e instanceof StaleCardError) return [409, { error: 'This request changed since you opened it; here is where it stands now.', current: e.request.state }];
  if (e instanceof InvalidTransitionError) return [409, { error: 'This request has already moved on.' }];
  return [500, { error: 'Something went wrong on our side.' }];
}
