// The login form: POST /admin/session with a user name and password (or an admin token). On success the session
// cookie is set and a reload shows the app (the server picks the page by session), at the hash asked for.
const form = document.getElementById('login-form');
const error = document.querySelector('[data-testid="login-error"]');
const submit = document.querySelector('[data-testid="login-submit"]');

const MESSAGES = {
  401: 'Wrong user name or password.',
  429: 'Too many failed sign-ins. Wait a minute, then try again.',
};

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
    fail((!locked && MESSAGES[res.status]) || `Sign-in failed (${res.status}${detail ? `: ${detail}` : ''}).`);
  } catch (err) {
    fail(`The bus cannot be reached: ${err.message}`);
  } finally {
    submit.disabled = false;
  }
});
