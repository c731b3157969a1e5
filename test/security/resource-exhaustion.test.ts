// Login floods against every adapter over real HTTP. argon2id is the expensive part of a login (memory
// and CPU per hash), so the hasher bounds it: `maxConcurrent` hashes at once, `maxQueue` more waiting, and
// every login past that gets 503 `temporarily_unavailable` with `Retry-After` at once. Protected routes
// never hash, so they keep answering while the hashing slots are taken.
//
// Nothing here is timed. A barrier in the app's verifyCredentials (app code, before the password check)
// holds the flood until every login has arrived and then lets them all go in the same turn of the event
// loop, so exactly `maxConcurrent + maxQueue` of them get a slot or a place in the queue, whatever the
// machine's speed.
import { once, EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { AuthError } from '../../src/index.js';
import { createPasswordHasher } from '../../src/password.js';
import { adapters, serve } from '../support/adapters.js';
import { INVALID_GRANT, tokenError } from '../support/answers.js';
import { Barrier, CHEAP, PASSWORD, WRONG_PASSWORD, costlyHash, securityEngine } from '../support/engine.js';
import { expectAnswer, expectTokenError, get, postForm, withBearer, type RawResponse } from '../support/raw-http.js';
import { claims, hmacToken } from '../support/tokens.js';

const BUSY = tokenError('temporarily_unavailable', 'Too many concurrent requests, retry later', 'Service temporarily unavailable');
const token = hmacToken({ alg: 'HS256' }, claims({ scope: 'me' }));
const ME = { status: 200, body: { sub: 'johndoe', scopes: ['me'] } };

/** The flood: right passwords, wrong ones and unknown users, each tagged with a client_id to follow it. */
const FLOOD = Array.from({ length: 10 }, (_, i) => {
  const kind = (['right', 'wrong', 'unknown'] as const)[i % 3] as 'right' | 'wrong' | 'unknown';
  const username = kind === 'unknown' ? `ghost${i}` : 'johndoe';
  return { id: `r${i}`, kind, fields: { username, password: kind === 'right' ? PASSWORD : WRONG_PASSWORD, client_id: `r${i}` } };
});

function expectLoginAnswer(res: RawResponse, kind: 'right' | 'wrong' | 'unknown'): void {
  if (kind === 'right') {
    expect(res.status, res.raw).toBe(200);
    expect(res.json()).toMatchObject({ token_type: 'bearer', expires_in: 1800 });
  } else expectTokenError(res, 400, INVALID_GRANT);
}

describe('the defaults bound hashing without any configuration', () => {
  it('maxConcurrent = min(4, CPUs), maxQueue = 64: the next verification is refused with ERR_BUSY, Retry-After 1', async () => {
    const passwords = createPasswordHasher(CHEAP);
    const capacity = Math.min(4, availableParallelism()) + 64;
    const outcomes = await Promise.allSettled(Array.from({ length: capacity + 3 }, () => passwords.verifyUser(undefined, PASSWORD)));
    const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason as AuthError);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(capacity);
    expect(refused).toHaveLength(3);
    for (const err of refused) {
      expect(err).toBeInstanceOf(AuthError);
      expect([err.code, err.status, err.retryAfter]).toEqual(['ERR_BUSY', 503, 1]);
    }
  });
});

describe.each(adapters)('$name', (adapter) => {
  describe('a flood of 10 concurrent logins with maxConcurrent 1, maxQueue 2, retryAfter 7', () => {
    const barrier = new Barrier();
    const app = serve(adapter, () =>
      securityEngine({
        passwords: createPasswordHasher({ ...CHEAP, maxConcurrent: 1, maxQueue: 2, retryAfter: 7 }),
        beforeVerify: barrier.hold,
      }).then((e) => e.auth),
    );

    it('exactly the 7 past the slot and the queue get 503 + Retry-After; /health and /me answer throughout', async () => {
      const flood = FLOOD.map((login) => postForm(app(), login.fields));
      await barrier.arrived(FLOOD.length);

      // Every login is in flight: the rest of the app answers.
      expectAnswer(await get(app(), '/health'), { status: 200, body: { ok: true } });
      expectAnswer(await withBearer(app(), '/me', token), ME);

      const arrived = barrier.waiting;
      expect([...arrived].sort()).toEqual(FLOOD.map((login) => login.id).sort());
      barrier.release();
      // While the first hash runs and two wait, the rest of the app still answers.
      const during = await Promise.all([get(app(), '/health'), withBearer(app(), '/me', token), withBearer(app(), '/scoped', token)]);
      expectAnswer(during[0], { status: 200, body: { ok: true } });
      expectAnswer(during[1], ME);
      expectAnswer(during[2], ME);

      const answers = await Promise.all(flood);
      // The first to arrive took the slot, the next two the queue: each answered on its merits. Every
      // other one was refused at once.
      for (const [position, id] of arrived.entries()) {
        const index = FLOOD.findIndex((login) => login.id === id);
        const res = answers[index] as RawResponse;
        if (position < 3) expectLoginAnswer(res, (FLOOD[index] as (typeof FLOOD)[number]).kind);
        else expectTokenError(res, 503, BUSY, { 'Retry-After': '7' });
      }
      expect(answers.filter((res) => res.status === 503)).toHaveLength(FLOOD.length - 3);

      // Nothing leaked: the slot and the queue are free again.
      expectLoginAnswer(await postForm(app(), { username: 'johndoe', password: PASSWORD }), 'right');
    });
  });

  describe('protected routes never hash (maxConcurrent 1, maxQueue 0, the slot held by a costly login)', () => {
    const arrivals = new EventEmitter();
    const app = serve(adapter, () =>
      securityEngine({
        passwords: createPasswordHasher({ ...CHEAP, maxConcurrent: 1, maxQueue: 0 }),
        extraUsers: { slow: costlyHash(600) },
        beforeVerify: (form) => {
          arrivals.emit(form.username);
        },
      }).then((e) => e.auth),
    );

    it('/me and /scoped answer 200 while every hashing slot is taken; a login in the same window gets 503', async () => {
      const arrived = once(arrivals, 'slow');
      const slow = postForm(app(), { username: 'slow', password: WRONG_PASSWORD });
      await arrived;
      await new Promise((resolve) => setImmediate(resolve));

      const protectedAnswers = await Promise.all(Array.from({ length: 10 }, (_, i) => withBearer(app(), i % 2 ? '/me' : '/scoped', token)));
      for (const res of protectedAnswers) expectAnswer(res, ME);
      // Still held: proof the protected requests above ran while no hash could start.
      expectTokenError(await postForm(app(), { username: 'johndoe', password: PASSWORD }), 503, BUSY, { 'Retry-After': '1' });
      expectTokenError(await slow, 400, INVALID_GRANT);
    });
  });
});
