import type { AuthError, TokenResponse } from '../index.js';

/** An HTTP answer as every adapter writes it: status, headers, and the JSON body as text. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The answer for an error or a token response: the core decides everything, adapters only write it.
 * `bodyUnread`: the request's body has not been read to its end (a refusal before or while reading
 * it), so the answer closes the connection instead of waiting for a body that may trickle forever.
 */
export function httpAnswer(from: AuthError | TokenResponse, bodyUnread = false): HttpAnswer {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...from.headers };
  if (bodyUnread) headers.Connection = 'close';
  return { status: from.status, headers, body: JSON.stringify(from.body) };
}

const json = (status: number, detail: string, headers: Record<string, string> = {}): HttpAnswer => ({
  status,
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify({ detail }),
});

/** The token endpoint's answer to any method but POST. */
export const METHOD_NOT_ALLOWED: Readonly<HttpAnswer> = json(405, 'Method Not Allowed', { Allow: 'POST' });

/** The answer to an error that is not an AuthError, where an adapter must answer itself: nothing of it is shown. */
export const INTERNAL_ERROR: Readonly<HttpAnswer> = json(500, 'Internal Server Error');
