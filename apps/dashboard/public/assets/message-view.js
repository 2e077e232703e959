// One message as the journal holds it: identity, hops, every delivery with every attempt, dead letters, headers and
// body. While the message is still on its way (received or pending) the view refreshes itself.
import { api } from './api.js';
import { badge, errorBox, facts, h, link, replace, table } from './dom.js';
import * as fmt from './format.js';

const REFRESH_MS = 1500;

function headersTable(headers, testid) {
  const rows = Object.entries(headers ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return table(
    [
      { title: 'name', cell: ([name]) => h('code', {}, name) },
      { title: 'value', cell: ([, value]) => h('code', { class: 'wrap' }, value) },
    ],
    rows,
    { testid, empty: 'No headers.' },
  );
}

/** A body as text: JSON pretty-printed; a binary one (base64) said to be so. */
export function bodyBlock(view, testid) {
  const binary = view.encoding === 'base64';
  const note = binary ? h('p', { class: 'muted' }, `${view.contentType}, binary: shown as base64`) : null;
  return [note, h('pre', { class: 'body', testid }, fmt.prettyBody(view.body, view.contentType))];
}

const ATTEMPT_COLUMNS = [
  { title: '#', class: 'num', cell: (a) => a.number },
  { title: 'started', cell: (a) => fmt.time(a.startedAt) },
  { title: 'duration', class: 'num', cell: (a) => fmt.ms(a.durationMs) },
  { title: 'status code', class: 'num', cell: (a) => a.statusCode ?? '—' },
  { title: 'outcome', cell: (a) => (a.ok ? badge('ok') : badge(a.errorCode ?? 'failed', 'failed')) },
  { title: 'error', cell: (a) => (a.error ? h('span', { class: 'wrap' }, a.error) : '') },
];

function delivery(d) {
  // A split part is a message of its own: its id (`<message id>.<index>`) names it.
  const part = d.partId ? ` part ${d.partId}` : d.partIndex === null || d.partIndex === undefined ? null : ` part ${d.partIndex}`;
  return h(
    'section',
    { class: 'delivery', testid: `delivery-${d.id}`, 'data-target': d.targetId },
    h('h3', {}, d.targetId, part, d.wireTap && ' (wire tap)', ' ', h('span', { testid: `delivery-status-${d.id}` }, badge(d.status))),
    facts([
      ['Target', d.targetDescription],
      // A replay starts the count again, so the journal can hold more attempts than one run allows.
      ['Attempts', `${d.attempts.length} made; limit ${d.maxAttempts}, counted afresh after a replay`, `attempt-count-${d.id}`],
      // An ordered split's part waits for the one before it (due at the end of time until then).
      ['Next attempt', d.status !== 'pending' ? '—' : d.nextAttemptAt >= 8640000000000000 ? 'after the part before it' : fmt.time(d.nextAttemptAt)],
      ['Last error', d.lastError],
      ['Reply', d.reply ? h('code', { class: 'wrap' }, d.reply) : null],
    ]),
    table(ATTEMPT_COLUMNS, d.attempts, { testid: `attempts-${d.id}`, rowAttrs: () => ({ testid: 'attempt' }), empty: 'None yet.' }),
    h('details', {}, h('summary', {}, 'What was sent: headers and body'), headersTable(d.headers), bodyBlock(d)),
  );
}

async function replayOne(id, outcome) {
  try {
    const { data } = await api(`/admin/dead-letters/${encodeURIComponent(id)}/replay`, { method: 'POST', body: {} });
    const text = `Dead letter ${id} replayed: ${data.requeued.kind} ${data.requeued.id} queued again.`;
    replace(outcome, h('p', { class: 'ok', testid: 'message-replay-outcome' }, text));
  } catch (err) {
    replace(outcome, errorBox(err, 'message-replay-outcome'));
  }
}

function render(body, m, refresh) {
  const outcome = h('div', { 'aria-live': 'polite' });
  const replay = (id) => replayOne(id, outcome).then(refresh);
  const replayButton = (id) =>
    h('button', { type: 'button', testid: `message-replay-${id}`, on: { click: () => replay(id) } }, 'Replay');
  const deadLetterColumns = [
    { title: 'created', cell: (d) => fmt.time(d.createdAt) },
    { title: 'dead letter', cell: (d) => link(`#/dead-letters/${encodeURIComponent(d.id)}`, d.id) },
    { title: 'target', cell: (d) => d.targetId ?? '(a step)' },
    { title: 'reason', cell: (d) => `${d.reason.code}: ${d.reason.message}` },
    { title: 'replayed', cell: (d) => (d.replayedAt ? `${fmt.time(d.replayedAt)} (${d.replayCount}×)` : 'no') },
    {
      title: '',
      cell: (d) =>
        d.replayedAt
          ? ''
          : replayButton(d.id),
    },
  ];
  replace(
    body,
    facts([
      ['Status', badge(m.status), 'message-status'],
      ['Route', link(`#/messages?route=${encodeURIComponent(m.routeId)}`, m.routeId), 'message-route'],
      ['Correlation id', h('code', {}, m.correlationId), 'message-correlation-id'],
      ['Business key', m.businessKey, 'message-business-key'],
      ['Source', `${m.sourceKind} ${m.sourceAddress} (${m.mode})`],
      ['Content type', m.contentType],
      ['Received', fmt.time(m.receivedAt)],
      ['Updated', fmt.time(m.updatedAt)],
    ]),
    m.failure ? errorBox(`${m.failure.code}: ${m.failure.message}`, 'message-failure') : null,
    h('h2', {}, 'Hops'),
    table(
      [
        { title: 'at', cell: (x) => fmt.time(x.at) },
        { title: 'step', cell: (x) => h('code', {}, x.step) },
        { title: 'note', cell: (x) => x.note ?? '' },
      ],
      m.hops,
      { testid: 'hops', rowAttrs: () => ({ testid: 'hop' }), empty: 'No hops yet.' },
    ),
    h('h2', {}, `Deliveries (${m.deliveries.length})`),
    m.deliveries.length ? m.deliveries.map(delivery) : h('p', { class: 'muted' }, 'No deliveries.'),
    m.deadLetters.length
      ? [h('h2', {}, 'Dead letters'), outcome, table(deadLetterColumns, m.deadLetters, { testid: 'message-dead-letters' })]
      : null,
    h('h2', {}, 'Headers'),
    headersTable(m.headers, 'message-headers'),
    h('h2', {}, 'Body'),
    bodyBlock(m, 'message-body'),
  );
}

/** Renders message `id` into `view`; returns the cleanup that stops its refreshing. */
export function renderMessage(view, id) {
  const body = h('div', { testid: 'message-detail' }, h('p', { class: 'muted' }, 'Loading…'));
  const title = h('h1', {}, 'Message ', h('code', { testid: 'message-id' }, id));
  const refreshButton = h('button', { type: 'button', testid: 'message-refresh' }, 'Refresh');
  view.replaceChildren(
    h('div', { class: 'view-head' }, title, link('#/messages', '← search'), refreshButton),
    body,
  );
  let timer;
  let shown = '';
  let stopped = false;
  const load = async () => {
    clearTimeout(timer);
    try {
      const { data } = await api(`/admin/messages/${encodeURIComponent(id)}`);
      if (stopped) return;
      // Redrawn only on a change, so an open "what was sent" stays open while nothing moves.
      const json = JSON.stringify(data);
      if (json !== shown) render(body, data, load);
      shown = json;
      if (data.status === 'received' || data.status === 'pending') timer = setTimeout(load, REFRESH_MS);
    } catch (err) {
      if (stopped) return;
      shown = '';
      replace(body, err.status === 404 ? errorBox(`No message ${id}.`, 'message-not-found') : errorBox(err));
    }
  };
  refreshButton.addEventListener('click', () => void load());
  void load();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
