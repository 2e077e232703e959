import { AdminAuth } from './admin-auth';
import { AdminSessions } from './admin-sessions';
import { LoginThrottle } from './login-throttle';

const basic = (credentials: string) => ({ headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } });

describe('AdminAuth', () => {
  const auth = new AdminAuth({ token: 'tok-123', user: 'ops', password: 'long password', sessionTtlMs: 60_000, secureCookie: false });

  it.each([
    [{ headers: {} }, undefined],
    [{ headers: { authorization: 'Bearer tok-123' } }, { user: 'token', via: 'token' }],
    [{ headers: { authorization: 'bearer tok-123' } }, { user: 'token', via: 'token' }],
    [{ headers: { authorization: 'Bearer tok-1234' } }, undefined],
    [{ headers: { authorization: 'Bearer ' } }, undefined],
    [basic('ops:long password'), { user: 'ops', via: 'basic' }],
    [basic('ops:long passwor'), undefined],
    [basic('root:long password'), undefined],
    [basic('ops'), undefined],
    [{ headers: { authorization: 'Digest x' } }, undefined],
    [{ headers: { cookie: 'junction_session=unknown' } }, undefined],
  ])('principal of %j is %j', (request, expected) => {
    expect(auth.principalOf(request)).toEqual(expected);
  });

  it('opens a session on a good login, found again through the Cookie header among others', () => {
    const { id, session } = auth.login({ username: 'ops', password: 'long password' }, '10.0.0.1');
    expect(auth.principalOf({ headers: { cookie: `theme=dark; junction_session=${id}; x=1` } })).toEqual({
      user: 'ops',
      via: 'session',
      csrfToken: session.csrfToken,
    });
    auth.logout({ headers: { cookie: `junction_session=${id}` } });
    expect(auth.principalOf({ headers: { cookie: `junction_session=${id}` } })).toBeUndefined();
  });

  it('logs in with the token as well, and refuses wrong credentials with 401', () => {
    expect(auth.login({ token: 'tok-123' }, '10.0.0.2').session.user).toBe('token');
    expect(() => auth.login({ username: 'ops', password: 'nope' }, '10.0.0.2')).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => auth.login({}, '10.0.0.2')).toThrow(expect.objectContaining({ code: 'BAD_CREDENTIALS' }));
  });

  it('is locked without any credential, and says how to open it', () => {
    const locked = new AdminAuth({ sessionTtlMs: 60_000, secureCookie: false });
    expect(locked.locked).toBe(true);
    expect(locked.principalOf({ headers: { authorization: 'Bearer ' } })).toBeUndefined();
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

describe('LoginThrottle', () => {
  it('blocks an address after 5 failures in the window, until the window has passed; others are not affected', () => {
    let now = 0;
    const throttle = new LoginThrottle(5, 60_000, () => now);
    for (let i = 0; i < 4; i++) throttle.failed('a');
    expect(throttle.retryAfterMs('a')).toBe(0);
    throttle.failed('a');
    now = 10_000;
    expect(throttle.retryAfterMs('a')).toBe(50_000);
    expect(throttle.retryAfterMs('b')).toBe(0);
    now = 60_000;
    expect(throttle.retryAfterMs('a')).toBe(0);
    throttle.failed('b');
    throttle.succeeded('b');
    expect(throttle.retryAfterMs('b')).toBe(0);
  });
});
