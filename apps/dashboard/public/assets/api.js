// The admin API as the page calls it: same-origin cookies, the CSRF token on every state-changing call, problem
// bodies turned into errors, and any 401 (session gone or expired) back to the login page.

import { errorBox } from './dom.js';

let csrfToken = '';

/** Set from GET /admin/session once the app starts. */
export function setCsrfToken(token) {
  csrfToken = token ?? '';
}

/** A refused call: the HTTP status and the problem body's detail (or title). */
export class ApiError extends Error {
  constructor(status, problem) {
    const text = problem && typeof problem === 'object' ? problem.detail ?? problem.title : problem;
    super(`${status}: ${text || 'request failed'}`);
    this.status = status;
    this.problem = problem;
  }
}

/**
 * Calls the admin API. Resolves `{ status, data }` for 2xx and for the statuses listed in `accept` (e.g. 422 of a
 * refused reload, whose body is the answer); rejects with ApiError otherwise. A 401 also reloads the page, which the
 * server then answers with the login page.
 */
export async function api(path, { method = 'GET', body, accept = [] } = {}) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  const text = await res.text();
  let data = text;
  try {
    data = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: keep the text for the error message
  }
  if (res.status === 401) {
    toLogin();
    throw new ApiError(401, data);
  }
  if (!res.ok && !accept.includes(res.status)) throw new ApiError(res.status, data);
  return { status: res.status, data };
}

/** Query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

const LOOP_KEY = 'junction.dashboard.toLogin';

/**
 * Back to the login page: a reload, as the server picks the page by session (and keeps the hash, so the admin lands
 * where they were after signing in). Should the server keep serving the app while the API refuses it, a second bounce
 * within seconds shows an error instead of reloading forever.
 */
export function toLogin() {
  const last = Number(sessionStorage.getItem(LOOP_KEY) ?? 0);
  if (Date.now() - last < 5000) {
    const note = 'The admin API refuses this session while the server still shows the app: sign in again later.';
    if (!document.querySelector('[data-testid="auth-loop"]')) document.body.prepend(errorBox(note, 'auth-loop'));
    return;
  }
  sessionStorage.setItem(LOOP_KEY, String(Date.now()));
  location.reload();
}
