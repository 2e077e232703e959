// The dashboard app: the session (user and CSRF token), the live stream, the navigation, and the hash router that
// shows one view at a time (#/overview, #/routes, #/flows[/<route>], #/connectors, #/messages[/<id>], #/dead-letters[/<id>], #/aggregations, #/audit).
import { api, setCsrfToken } from './api.js';
import { errorBox } from './dom.js';
import { liveState, startLive, subscribe } from './live.js';
import { renderAggregations } from './aggregations.js';
import { renderAudit } from './audit.js';
import { renderConnectors } from './connectors.js';
import { renderDeadLetter } from './dead-letter-edit.js';
import { renderDeadLetters } from './dead-letters.js';
import { renderMessage } from './message-view.js';
import { renderFlows } from './flows.js';
import { renderMessages } from './messages.js';
import { renderOverview } from './overview.js';
import { renderRoutes } from './routes.js';

const view = document.getElementById('view');
let cleanup = () => undefined;
let generation = 0;

/** `#/messages/abc?route=x` -> { name: 'messages', rest: 'abc', params }. */
function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, search = ''] = raw.split('?');
  const [name, ...rest] = path.split('/');
  return { name: name || 'overview', rest: decodeURIComponent(rest.join('/')), params: new URLSearchParams(search) };
}

function pick({ name, rest, params }) {
  switch (name) {
    case 'overview':
      return () => renderOverview(view);
    case 'routes':
      return () => renderRoutes(view);
    case 'flows':
      return () => renderFlows(view, rest);
    case 'connectors':
      return () => renderConnectors(view);
    case 'messages':
      return rest ? () => renderMessage(view, rest) : () => renderMessages(view, params);
    case 'dead-letters':
      return rest ? () => renderDeadLetter(view, rest) : () => renderDeadLetters(view, params);
    case 'audit':
      return () => renderAudit(view);
    case 'aggregations':
      return () => renderAggregations(view, params);
    default:
      return undefined;
  }
}

async function route() {
  const target = parseHash();
  const render = pick(target);
  if (!render) return void (location.hash = '#/overview');
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.view === target.name);
  cleanup();
  cleanup = () => undefined;
  const mine = ++generation;
  view.replaceChildren();
  try {
    const done = await render();
    // A view that finished after the admin had already moved on is cleaned up at once.
    if (mine === generation) cleanup = done ?? (() => undefined);
    else done?.();
  } catch (err) {
    if (mine === generation) view.replaceChildren(errorBox(err));
  }
}

function showLiveStatus(state) {
  const el = document.querySelector('[data-testid="live-status"]');
  el.textContent = state.status === 'live' ? 'live' : state.status === 'connecting' ? 'connecting…' : 'reconnecting…';
  el.className = `live-status ${state.status}`;
}

async function start() {
  let session;
  try {
    session = (await api('/admin/session')).data;
  } catch (err) {
    // A 401 has already sent the page back to the login form.
    if (err.status !== 401) view.replaceChildren(errorBox(err));
    return;
  }
  setCsrfToken(session.csrfToken);
  document.querySelector('[data-testid="session-user"]').textContent = session.user;
  document.querySelector('[data-testid="logout"]').addEventListener('click', async () => {
    try {
      await api('/admin/session', { method: 'DELETE' });
    } finally {
      location.reload();
    }
  });
  subscribe(showLiveStatus);
  showLiveStatus(liveState());
  startLive();
  window.addEventListener('hashchange', () => void route());
  await route();
}

void start().catch((err) => view.replaceChildren(errorBox(err)));
