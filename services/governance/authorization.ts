import type { Actor, Role } from '../workflow/transition';

/** Actions on records beyond one's own request, each granted to roles from Entra group membership. */
export type PrivilegedAction = 'verifyAudit' | 'exportEvidence' | 'readAccessLog' | 'lookUpPerson' | 'runRetention' | 'exportConsents' | 'attestAccessReview';

/** Every privileged action, for tables and help text. */
export const PRIVILEGED_ACTIONS: readonly PrivilegedAction[] = ['verifyAudit', 'exportEvidence', 'readAccessLog', 'lookUpPerson', 'runRetention', 'exportConsents', 'attestAccessReview'];

/**
 * Who may do what (privacy SOP §3: access limited to authorised personnel). IT Security runs the procedure and
 * looks people up; auditors and administrators review the evidence and the access log, which records IT
 * Security's own reads, so IT Security does not read it; only administrators remove data past retention and
 * attest (or act on) an access review, which auditors then examine.
 */
export const PERMISSIONS: Readonly<Record<PrivilegedAction, readonly Role[]>> = Object.freeze({
  verifyAudit: ['admin', 'auditor'],
  exportEvidence: ['admin', 'auditor'],
  readAccessLog: ['admin', 'auditor'],
  lookUpPerson: ['itSecurity', 'admin', 'auditor'],
  runRetention: ['admin'],
  exportConsents: ['admin', 'auditor'],
  attestAccessReview: ['admin'],
});

/** The actor's roles do not include one that grants the action. */
export class ActionNotPermittedError extends Error {
  override readonly name = 'ActionNotPermittedError';
  constructor(
    readonly actorId: string,
    readonly action: PrivilegedAction,
  ) {
    super(`${actorId} may not ${action}`);
  }
}

/** Whether any of the roles grants the action. */
export function isPermitted(roles: readonly Role[], action: PrivilegedAction): boolean {
  return roles.some((r) => PERMISSIONS[action].includes(r));
}

/** Throws ActionNotPermittedError unless the actor (a person; the system acts only through the workflow) may act. */
export function authorize(actor: Actor, action: PrivilegedAction): asserts actor is Extract<Actor, { kind: 'user' }> {
  if (actor.kind !== 'user' || !isPermitted(actor.roles, action)) throw new ActionNotPermittedError(actor.kind === 'user' ? actor.aadObjectId : 'system', action);
}
