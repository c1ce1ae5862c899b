/**
 * Adds the app-only Bearer token to requests for the configured Graph origin, and only those.
 *
 * Why not the SDK's AuthenticationHandler: in graph-client 3.0.7 it attaches tokens only to https URLs whose host
 * is on its built-in Graph list or in `customHosts`, so it cannot serve a sovereign-cloud or loopback origin
 * uniformly, and it keys on the host rather than the full origin
 * (https://github.com/microsoftgraph/msgraph-sdk-javascript/blob/3.0.7/src/middleware/AuthenticationHandler.ts).
 */
import type { AuthenticationProvider, Context, Middleware } from '@microsoft/microsoft-graph-client';
import { removeRequestHeader, requestUrl, setRequestHeader } from './requestHeaders';

/** Middleware that authenticates requests to one origin with a token provider. */
export class BearerTokenHandler implements Middleware {
  private next?: Middleware;

  constructor(
    private readonly provider: AuthenticationProvider,
    private readonly origin: string,
  ) {}

  async execute(context: Context): Promise<void> {
    if (new URL(requestUrl(context)).origin === this.origin) {
      setRequestHeader(context, 'Authorization', `Bearer ${await this.provider.getAccessToken()}`);
    } else {
      // Never hand the Graph token to another host (e.g. a redirect or a foreign nextLink).
      removeRequestHeader(context, 'Authorization');
    }
    if (!this.next) throw new Error('BearerTokenHandler has no next middleware');
    await this.next.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}
