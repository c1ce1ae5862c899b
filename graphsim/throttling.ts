/**
 * Intune's published throttling, enforced by the simulator: a request over a limit is answered 429 with a
 * Retry-After (whole seconds, as Graph sends), and inside a `$batch` only the item is throttled. Each item of a
 * batch counts as one request, as Graph counts them.
 * https://learn.microsoft.com/en-us/graph/throttling-limits#intune-service-limits
 */
import { SlidingWindowLimiter, type WindowRule } from '../services/net/slidingWindow';

/** One throttled service class: which requests it covers and its limits per app (and tenant) and per tenant (all apps). */
export interface ThrottleClass {
  name: string;
  /** The path below the version, e.g. `/deviceManagement/managedDevices`. */
  covers: (method: string, path: string) => boolean;
  perApp: WindowRule;
  perTenant: WindowRule;
}

const WINDOW_MS = 20_000;
const isWrite = (method: string) => method !== 'GET' && method !== 'HEAD';
/** The Intune "device configuration" service: compliance policies and their per-device states. */
const isConfiguration = (path: string) => /\/deviceCompliancePolic/i.test(path);
/** The Intune "devices" service: managed devices and their remote actions. */
const isDevices = (path: string) => /\/managedDevices\b/i.test(path) && !isConfiguration(path);

/** Intune's limits, scaled by `factor` (1 = as published; a test lowers them to see throttling quickly). */
export function intuneThrottling(factor = 1): ThrottleClass[] {
  const rule = (limit: number): WindowRule => ({ limit: Math.max(1, Math.round(limit * factor)), windowMs: WINDOW_MS });
  return [
    { name: 'intune-devices', covers: (_m, p) => isDevices(p), perApp: rule(2000), perTenant: rule(4000) },
    { name: 'intune-devices-write', covers: (m, p) => isDevices(p) && isWrite(m), perApp: rule(200), perTenant: rule(400) },
    { name: 'intune-configuration', covers: (_m, p) => isConfiguration(p), perApp: rule(1000), perTenant: rule(2000) },
    { name: 'intune-configuration-write', covers: (m, p) => isConfiguration(p) && isWrite(m), perApp: rule(100), perTenant: rule(200) },
  ];
}

/** The app a request comes from: the `appid`/`azp` claim of its bearer token, when it is a JWT. */
export function appOf(authorization: string | undefined): string {
  const token = /^Bearer\s+(\S+)/i.exec(authorization ?? '')?.[1];
  const payload = token?.split('.')[1];
  if (!payload) return 'app';
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { appid?: string; azp?: string };
    return claims.appid ?? claims.azp ?? 'app';
  } catch {
    return 'app';
  }
}

/** What a throttled request is told. */
export interface Throttled {
  className: string;
  retryAfterSeconds: number;
}

/** The simulator's throttle: every class covering a request must have room, else the longest wait is answered. */
export class GraphThrottle {
  private readonly limiters: { cls: ThrottleClass; app: SlidingWindowLimiter; tenant: SlidingWindowLimiter }[];

  constructor(classes: readonly ThrottleClass[]) {
    this.limiters = classes.map((cls) => ({ cls, app: new SlidingWindowLimiter([cls.perApp]), tenant: new SlidingWindowLimiter([cls.perTenant]) }));
  }

  /** Counts the request, or answers how long to wait (a throttled request is not counted). */
  admit(method: string, path: string, app: string, now: number): Throttled | null {
    const covering = this.limiters.filter((l) => l.cls.covers(method, path));
    let worst: { name: string; ms: number } | null = null;
    for (const l of covering) {
      const ms = Math.max(l.app.waitFor(app, now), l.tenant.waitFor('tenant', now));
      if (ms > 0 && (!worst || ms > worst.ms)) worst = { name: l.cls.name, ms };
    }
    if (worst) return { className: worst.name, retryAfterSeconds: Math.max(1, Math.ceil(worst.ms / 1000)) };
    for (const l of covering) {
      l.app.take(app, now);
      l.tenant.take('tenant', now);
    }
    return null;
  }

  reset(): void {
    for (const l of this.limiters) {
      l.app.reset();
      l.tenant.reset();
    }
  }
}
