/**
 * Short-lived signed links to a person's own data. The token names the person and an expiry and is signed with
 * HMAC-SHA256 under a configured key, so the server that serves the download needs no stored state and a link
 * cannot be altered to name someone else.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** A download token that is malformed, forged or expired; the download is refused. */
export class DownloadLinkError extends Error {
  override readonly name = 'DownloadLinkError';
  constructor(readonly reason: 'malformed' | 'signature' | 'expired') {
    super(`Download link refused: ${reason}`);
  }
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** Signs and checks download tokens. */
export class DownloadLinks {
  constructor(private readonly key: string | Buffer) {
    if (Buffer.byteLength(key) < 32) throw new Error('The download signing key must be at least 32 bytes');
  }

  /** The purpose is part of what is signed, so a link made for one download is refused by every other. */
  private mac(body: string, purpose = 'my-data'): Buffer {
    return createHmac('sha256', this.key).update(`${purpose}.v1.${body}`).digest();
  }

  /** A token for the person's data, valid until `expiresAt`. */
  sign(aadObjectId: string, expiresAt: Date): string {
    const body = b64(JSON.stringify({ sub: aadObjectId, exp: Math.floor(expiresAt.getTime() / 1000) }));
    return `${body}.${b64(this.mac(body))}`;
  }

  /** A token for another download (`purpose`), naming who asked and what, valid until `expiresAt`. */
  signFor(purpose: string, aadObjectId: string, query: Record<string, string>, expiresAt: Date): string {
    const body = b64(JSON.stringify({ sub: aadObjectId, q: query, exp: Math.floor(expiresAt.getTime() / 1000) }));
    return `${body}.${b64(this.mac(body, purpose))}`;
  }

  /** Who asked and what, from a `purpose` token, or DownloadLinkError. */
  verifyFor(purpose: string, token: string, now: Date = new Date()): { sub: string; q: Record<string, string> } {
    const claims = this.check(token, now, purpose);
    const q = claims.q;
    if (!q || typeof q !== 'object' || Object.values(q).some((v) => typeof v !== 'string')) throw new DownloadLinkError('malformed');
    return { sub: claims.sub, q: q as Record<string, string> };
  }

  /** The person a token names, or DownloadLinkError. */
  verify(token: string, now: Date = new Date()): string {
    return this.check(token, now, 'my-data').sub;
  }

  private check(token: string, now: Date, purpose: string): { sub: string; q?: unknown } {
    const [body, sig, extra] = typeof token === 'string' ? token.split('.') : [];
    if (!body || !sig || extra !== undefined) throw new DownloadLinkError('malformed');
    const expected = this.mac(body, purpose);
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new DownloadLinkError('signature');
    let claims: { sub?: unknown; exp?: unknown; q?: unknown };
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw new DownloadLinkError('malformed');
    }
    if (typeof claims.sub !== 'string' || !claims.sub || typeof claims.exp !== 'number') throw new DownloadLinkError('malformed');
    if (claims.exp * 1000 <= now.getTime()) throw new DownloadLinkError('expired');
    return { sub: claims.sub, q: claims.q };
  }
}
