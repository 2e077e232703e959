import { AdminAuth } from './admin-auth';
import { AdminSessions } from './admin-sessions';
import { DEFAULT_THROTTLE, LoginThrottle } from './login-throttle';

const basic = (credentials: string) => ({ headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } });

describe('AdminAuth', () => {
  const options = { token: 'tok-123', user: 'ops', password: 'long password', sessionTtlMs: 60_000, secureCookie: false };
  const auth = new AdminAuth(options);
  /** A fresh AdminAuth on a clock the test moves, with the default throttle. */
  const fresh = () => {
    const clock = { now: 0 };
    return { auth: new AdminAuth({ ...options, throttle: new LoginThrottle(DEFAULT_THROTTLE, () => clock.now) }), clock };
  };

  it.each([
    [{ headers: {} }, undefined],
    [{ headers: { authorization: 'Bearer tok-123' } }, { user: 'token', via: 'token' }],
    [{ headers: { authorization: 'bearer tok-123' } }, { user: 'token', via: 'token' }],
    [{ headers: { authorization: 'Bearer tok-1234' } }, undefined],
    [{ headers: { authorization: 'Bearer ' } }, undefined],
    [{ headers: { authorization: 'Bearer' } }, undefined],
    [basic('ops:long password'), { user: 'ops', via: 'basic' }],
    [basic('ops:long passwor'), undefined],
    [basic('root:long password'), undefined],
    [basic('ops'), undefined],
    [{ headers: { authorization: 'Digest x' } }, undefined],
    [{ headers: { cookie: 'junction_session=unknown' } }, undefined],
  ])('principal of %j is %j', (request, expected) => {
    const { ok, refusal } = fresh().auth.check(request);
    expect(ok).toEqual(expected);
    if (!expected) expect(refusal).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it('opens a session on a good login, found again through the Cookie header among others', () => {
    const { id, session } = auth.checkLogin({ username: 'ops', password: 'long password' }, '10.0.0.1').ok!;
    expect(auth.check({ headers: { cookie: `theme=dark; junction_session=${id}; x=1` } }).ok).toEqual({
      user: 'ops',
      via: 'session',
      csrfToken: session.csrfToken,
    });
    auth.closeSession({ headers: { cookie: `junction_session=${id}` } });
    expect(auth.check({ headers: { cookie: `junction_session=${id}` } }).ok).toBeUndefined();
  });

  it('logs in with the token as well, and refuses wrong credentials with 401', () => {
    expect(auth.checkLogin({ token: 'tok-123' }, '10.0.0.2').ok?.session.user).toBe('token');
    expect(auth.checkLogin({ username: 'ops', password: 'nope' }, '10.0.0.2').refusal).toMatchObject({ status: 401, code: 'BAD_CREDENTIALS' });
    expect(auth.checkLogin({}, '10.0.0.2').refusal).toMatchObject({ status: 401, code: 'BAD_CREDENTIALS' });
  });

  it('throttles wrong Basic, bearer and login attempts alike: from the sixth failure of an address, 429 with a wait', () => {
    const { auth: a } = fresh();
    const remote = { ip: '10.0.0.3' };
    const answers = [
      a.check({ ...remote, headers: basic('ops:guess-1').headers }),
      a.check({ ...remote, headers: { authorization: 'Bearer guess-2' } }),
      a.checkLogin({ username: 'ops', password: 'guess-3' }, remote.ip),
      a.checkLogin({ token: 'guess-4' }, remote.ip),
      a.check({ ...remote, headers: basic('root:guess-5').headers }),
      a.check({ ...remote, headers: { authorization: 'Bearer guess-6' } }),
      a.checkLogin({ username: 'ops', password: 'guess-7' }, remote.ip),
    ].map((r) => r.refusal && [r.refusal.status, r.refusal.retryAfterMs]);
    expect(answers).toEqual([[401, undefined], [401, undefined], [401, undefined], [401, undefined], [401, undefined], [429, 2_000], [429, 4_000]]);
    expect(a.check({ ...remote, headers: basic('ops:nope').headers }).refusal?.detail).toMatch(/^too many failed sign-ins; try again in 8 s$/);
  });

  it('lets the right credential in from an address full of someone else\'s failures', () => {
    const { auth: a } = fresh();
    for (let i = 0; i < 50; i++) a.check({ ip: '10.0.0.4', headers: basic(`ops:guess-${i}`).headers });
    expect(a.check({ ip: '10.0.0.4', headers: basic('ops:nope').headers }).refusal?.status).toBe(429);
    expect(a.check({ ip: '10.0.0.4', headers: basic('ops:long password').headers }).ok).toEqual({ user: 'ops', via: 'basic' });
    expect(a.checkLogin({ username: 'ops', password: 'long password' }, '10.0.0.4').ok?.session.user).toBe('ops');
    expect(a.check({ ip: '10.0.0.4', headers: { authorization: 'Bearer tok-123' } }).ok?.user).toBe('token');
  });

  it('locks a user under attack beyond the hard cap, even for its right password, until the wait has passed; the token stays open', () => {
    const { auth: a, clock } = fresh();
    for (let i = 0; i < 100; i++) a.check({ ip: `10.1.0.${i}`, headers: basic(`ops:guess-${i}`).headers });
    const right = { ip: '10.2.0.1', headers: basic('ops:long password').headers };
    expect(a.check(right).refusal).toMatchObject({ status: 429, code: 'TOO_MANY_LOGINS', retryAfterMs: 300_000 });
    expect(a.checkLogin({ username: 'ops', password: 'long password' }, '10.2.0.1').refusal?.status).toBe(429);
    expect(a.check({ ip: '10.2.0.1', headers: { authorization: 'Bearer tok-123' } }).ok?.user).toBe('token');
    clock.now += 300_000;
    expect(a.check(right).ok).toEqual({ user: 'ops', via: 'basic' });
  });

  it('counts every unknown user name against one user, and never a missed session cookie', () => {
    const { auth: a } = fresh();
    for (let i = 0; i < 100; i++) a.check({ ip: `10.3.0.${i}`, headers: basic(`name-${i}:pw`).headers });
    expect(a.check({ ip: '10.3.1.1', headers: basic('another-name:pw').headers }).refusal?.status).toBe(429);
    expect(a.check({ ip: '10.3.1.1', headers: basic('ops:long password').headers }).ok?.user).toBe('ops');
    for (let i = 0; i < 20; i++) a.check({ ip: '10.4.0.1', headers: { cookie: `junction_session=expired-${i}` } });
    expect(a.throttle.waitMs({ address: '10.4.0.1', user: 'anyone' })).toBe(0);
  });

  it('is locked without any credential, and says how to open it', () => {
    const locked = new AdminAuth({ sessionTtlMs: 60_000, secureCookie: false });
    expect(locked.locked).toBe(true);
    expect(locked.check({ headers: { authorization: 'Bearer ' } }).refusal?.detail).toMatch(/set ADMIN_TOKEN, or ADMIN_USER and ADMIN_PASSWORD/);
    expect(locked.checkLogin({ token: '' }, '10.0.0.5').refusal).toMatchObject({ status: 401, code: 'BAD_CREDENTIALS' });
    expect(locked.refusal()).toMatch(/set ADMIN_TOKEN, or ADMIN_USER and ADMIN_PASSWORD/);
    expect(auth.locked).toBe(false);
  });

  it('writes the cookie HttpOnly and SameSite=Strict, Secure when asked, and clears it with Max-Age=0', () => {
    expect(auth.cookie('abc')).toBe('junction_session=abc; Max-Age=60; Path=/; HttpOnly; SameSite=Strict');
    expect(auth.cookie(undefined)).toBe('junction_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict');
    const secure = new AdminAuth({ token: 't', sessionTtlMs: 60_000, secureCookie: true });
    expect(secure.cookie('abc')).toMatch(/; Secure$/);
  });
});

describe('AdminSessions', () => {
  it('expires an idle session, renews one in use, and keeps at most `max`', () => {
    let now = 1_000;
    const sessions = new AdminSessions(100, 2, () => now);
    const a = sessions.open('a');
    now += 90;
    expect(sessions.find(a.id)?.user).toBe('a'); // renewed until 1190
    now += 90;
    expect(sessions.find(a.id)?.user).toBe('a');
    now += 101;
    expect(sessions.find(a.id)).toBeUndefined();
    const b = sessions.open('b');
    const c = sessions.open('c');
    const d = sessions.open('d');
    expect(sessions.size).toBe(2);
    expect(sessions.find(b.id)).toBeUndefined();
    expect([sessions.find(c.id)?.user, sessions.find(d.id)?.user]).toEqual(['c', 'd']);
    expect(a.session.csrfToken).not.toBe(c.session.csrfToken);
  });
});
