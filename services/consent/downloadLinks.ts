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

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(`my-data.v1.${body}`).digest();
  }

  /** A token for the person's data, valid until `expiresAt`. */
  sign(aadObjectId: string, expiresAt: Date): string {
    const body = b64(JSON.stringify({ sub: aadObjectId, exp: Math.floor(expiresAt.getTime() / 1000) }));
    return `${body}.${b64(this.mac(body))}`;
  }

  /** The person a token names, or DownloadLinkError. */
  verify(token: string, now: Date = new Date()): string {
    const [body, sig, extra] = typeof token === 'string' ? token.split('.') : [];
    if (!body || !sig || extra !== undefined) throw new DownloadLinkError('malformed');
    const expected = this.mac(body);
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new DownloadLinkError('signature');
    let claims: { sub?: unknown; exp?: unknown };
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw new DownloadLinkError('malformed');
    }
    if (typeof claims.sub !== 'string' || !claims.sub || typeof claims.exp !== 'number') throw new DownloadLinkError('malformed');
    if (claims.exp * 1000 <= now.getTime()) throw new DownloadLinkError('expired');
    return claims.sub;
  }
}
