// The login form: POST /admin/session with a user name and password (or an admin token). On success the session
// cookie is set and a reload shows the app (the server picks the page by session), at the hash asked for.
const form = document.getElementById('login-form');
const error = document.querySelector('[data-testid="login-error"]');
const submit = document.querySelector('[data-testid="login-submit"]');

const MESSAGES = {
  401: 'Wrong user name or password.',
};

/** The text of a 429: how long to wait, from its Retry-After (seconds). */
function throttled(res) {
  const seconds = Number(res.headers.get('retry-after'));
  const wait = seconds > 0 ? `Try again in ${seconds} s.` : 'Wait a little, then try again.';
  return `Too many failed sign-ins. ${wait}`;
}

function fail(text) {
  error.textContent = text;
  error.hidden = false;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const token = String(data.get('token') ?? '').trim();
  const credentials = token
    ? { token }
    : { username: String(data.get('username') ?? ''), password: String(data.get('password') ?? '') };
  error.hidden = true;
  submit.disabled = true;
  try {
    const res = await fetch('/admin/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(credentials),
      credentials: 'same-origin',
      cache: 'no-store',
    });
    if (res.ok) return void location.reload();
    let detail = '';
    try {
      detail = (await res.json()).detail ?? '';
    } catch {
      // no problem body: the status says enough
    }
    // A bus with no admin credential configured refuses every login: its reason says what to set.
    const locked = res.status === 401 && /not configured/.test(detail);
    if (res.status === 429) return void fail(throttled(res));
    fail((!locked && MESSAGES[res.status]) || `Sign-in failed (${res.status}${detail ? `: ${detail}` : ''}).`);
  } catch (err) {
    fail(`The bus cannot be reached: ${err.message}`);
  } finally {
    submit.disabled = false;
  }
});
