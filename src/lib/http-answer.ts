import type { AuthError } from '../errors.js';
import type { TokenResponse } from '../token.js';

/** An HTTP answer as every adapter writes it: status, headers, and the JSON body as text. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The answer for an error or a token response: the core decides everything, adapters only write it. */
export function httpAnswer(from: AuthError | TokenResponse): HttpAnswer {
  return {
    status: from.status,
    headers: { 'Content-Type': 'application/json', ...from.headers },
    body: JSON.stringify(from.body),
  };
}
