/**
 * Header access on the SDK's middleware context. GraphRequest passes headers as a plain object, but a caller
 * may hand in a Headers instance or pairs, so every form is handled.
 */
import type { Context } from '@microsoft/microsoft-graph-client';

/** Sets (replaces) a request header on a middleware context. */
export function setRequestHeader(context: Context, name: string, value: string): void {
  context.options ??= {};
  const headers = context.options.headers;
  if (headers instanceof Headers) {
    headers.set(name, value);
  } else if (Array.isArray(headers)) {
    const kept = headers.filter(([k]) => k.toLowerCase() !== name.toLowerCase());
    context.options.headers = [...kept, [name, value]];
  } else {
    const copy: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() !== name.toLowerCase()) copy[k] = v;
    copy[name] = value;
    context.options.headers = copy;
  }
}

/** Removes a request header from a middleware context. */
export function removeRequestHeader(context: Context, name: string): void {
  const headers = context.options?.headers;
  if (!headers || !context.options) return;
  if (headers instanceof Headers) headers.delete(name);
  else if (Array.isArray(headers)) context.options.headers = headers.filter(([k]) => k.toLowerCase() !== name.toLowerCase());
  else {
    const copy: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== name.toLowerCase()) copy[k] = v;
    context.options.headers = copy;
  }
}

/** Reads a request header from a middleware context. */
export function getRequestHeader(context: Context, name: string): string | undefined {
  const headers = context.options?.headers;
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const pairs = Array.isArray(headers) ? headers : Object.entries(headers);
  return pairs.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}

/** The URL of the request a middleware context carries. */
export function requestUrl(context: Context): string {
  return typeof context.request === 'string' ? context.request : context.request.url;
}
