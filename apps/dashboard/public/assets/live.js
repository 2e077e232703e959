// The live figures: one EventSource on /admin/live for the whole app (so the charts keep filling while another view
// is open), seeded with the last 15 minutes from /admin/stats/history. Views subscribe and get every snapshot.
import { api, query } from './api.js';

const WINDOW_MS = 15 * 60 * 1000;
const SERIES_KEYS = ['inPerSec', 'outPerSec', 'p50Ms', 'p95Ms', 'p99Ms', 'errorRate'];
const RETRY_MS = 2000;

/** Chart series of one scope (the bus or one route): parallel arrays, oldest first; `at` in epoch ms. */
function emptySeries() {
  return { at: [], inPerSec: [], outPerSec: [], p50Ms: [], p95Ms: [], p99Ms: [], errorRate: [] };
}

const state = {
  status: 'connecting',
  snapshot: null,
  /** Series by scope: 'bus' always; a route's once a view asked for it. */
  series: new Map([['bus', emptySeries()]]),
};
const listeners = new Set();
let source;

/** Current status ('connecting', 'live', 'reconnecting'), the last snapshot, and the series. */
export function liveState() {
  return state;
}

/** Calls `fn(state)` on every snapshot and status change; returns the unsubscribe function. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function notify() {
  for (const fn of listeners) fn(state);
}

function push(series, at, figures) {
  if (series.at.length && at <= series.at[series.at.length - 1]) return;
  series.at.push(at);
  for (const key of SERIES_KEYS) series[key].push(figures[key] ?? null);
  const drop = series.at.findIndex((t) => t >= at - WINDOW_MS);
  if (drop > 0) for (const values of Object.values(series)) values.splice(0, drop);
}

const seeding = new Map();

/**
 * The series of a scope ('bus' or a route id), seeded from the history endpoint the first time it is asked for.
 * A history that cannot be read leaves the series to fill from the live events alone.
 */
export function seriesOf(scope) {
  if (!seeding.has(scope)) {
    const seeded = seed(scope);
    seeding.set(scope, seeded);
    seeded.catch(() => seeding.delete(scope));
  }
  return seeding.get(scope);
}

async function seed(scope) {
  const seeded = emptySeries();
  try {
    const { data } = await api(`/admin/stats/history${query({ minutes: 15, route: scope === 'bus' ? '' : scope })}`);
    for (const point of data.points ?? []) push(seeded, point.at, point);
  } catch (err) {
    if (err.status === 401) throw err;
  }
  // Live points that arrived while the history loaded come after it.
  const current = state.series.get(scope);
  if (current) for (let i = 0; i < current.at.length; i++) push(seeded, current.at[i], pointAt(current, i));
  state.series.set(scope, seeded);
  return seeded;
}

function pointAt(series, i) {
  return Object.fromEntries(Object.entries(series).map(([k, v]) => [k, v[i]]));
}

function onSnapshot(snapshot) {
  state.snapshot = snapshot;
  for (const [scope, series] of state.series) {
    const figures = scope === 'bus' ? snapshot.bus : snapshot.routes?.[scope];
    if (figures) push(series, snapshot.at, figures);
  }
  notify();
}

function setStatus(status) {
  if (state.status === status) return;
  state.status = status;
  notify();
}

/**
 * Opens the stream. EventSource reconnects by itself after a network error; when the server refused the stream
 * (readyState CLOSED: a 401 or the bus restarting), the session is checked (a 401 goes to the login page) and the
 * stream reopened after a pause.
 */
export function startLive() {
  if (source) return;
  void seriesOf('bus').then(notify, () => undefined);
  connect();
}

function connect() {
  source = new EventSource('/admin/live');
  source.addEventListener('open', () => setStatus('live'));
  source.addEventListener('stats', (event) => {
    setStatus('live');
    onSnapshot(JSON.parse(event.data));
  });
  source.addEventListener('error', () => {
    setStatus('reconnecting');
    if (source.readyState !== EventSource.CLOSED) return;
    source.close();
    setTimeout(() => {
      api('/admin/session').then(connect, (err) => {
        if (err.status !== 401) connect();
      });
    }, RETRY_MS);
  });
}
