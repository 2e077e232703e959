// Dead letters: the list (by route, replayed or not), replay of one or of a selection, and the way to the edit form.
// Each replay's outcome is shown with a link to its message, where the new attempts can be followed.
import { api, query } from './api.js';
import { errorBox, h, link, replace, table } from './dom.js';
import * as fmt from './format.js';

const PAGE = 100;

/** Replays dead letters: one through its own endpoint, several in one call. Resolves the per-id results. */
export async function replay(ids) {
  if (ids.length === 1) {
    try {
      const path = `/admin/dead-letters/${encodeURIComponent(ids[0])}/replay`;
      const { data } = await api(path, { method: 'POST', body: {} });
      return [{ id: ids[0], requeued: data.requeued }];
    } catch (err) {
      if (err.status === 401) throw err;
      return [{ id: ids[0], error: err.message }];
    }
  }
  const { data } = await api('/admin/dead-letters/replay', { method: 'POST', body: { ids } });
  return data.results;
}

/** The outcome of replays as a list: what was queued again, what was refused, with links to the messages. */
export function outcomeList(results, byId, testid = 'dl-outcome') {
  return h(
    'ul',
    { class: 'outcome', testid },
    results.map((r) => {
      const messageId = byId.get(r.id)?.messageId;
      const href = `#/messages/${encodeURIComponent(messageId)}`;
      const message = messageId ? [' ', link(href, `message ${messageId}`, `dl-outcome-message-${r.id}`)] : null;
      return r.error
        ? h('li', { class: 'refused', testid: `dl-outcome-${r.id}` }, `${r.id}: not replayed: ${r.error}`, message)
        : h('li', { class: 'ok', testid: `dl-outcome-${r.id}` }, `${r.id}: replayed, its ${r.requeued.kind} queued again.`, message);
    }),
  );
}

function checkbox(label, testid, checked, onChange) {
  const on = { change: (e) => onChange(e.target.checked) };
  return h('input', { type: 'checkbox', 'aria-label': label, testid, checked, on });
}

/** Renders the dead-letter list; `params`: route, replayed (`false` by default, `true`, or `all`). */
export async function renderDeadLetters(view, params) {
  const routes = await api('/admin/routes').then((r) => r.data.map((x) => x.id), () => []);
  const options = routes.map((id) => h('option', { value: id }, id));
  const route = h('select', { testid: 'dl-route' }, h('option', { value: '' }, 'any'), options);
  route.value = params.get('route') ?? '';
  const replayed = h(
    'select',
    { testid: 'dl-replayed' },
    h('option', { value: 'false' }, 'not replayed'),
    h('option', { value: 'true' }, 'replayed'),
    h('option', { value: 'all' }, 'all'),
  );
  replayed.value = params.get('replayed') ?? 'false';
  const replaySelected = h(
    'button',
    { type: 'button', class: 'primary', testid: 'dl-replay-selected', disabled: true },
    'Replay selected',
  );
  const outcome = h('div', { 'aria-live': 'polite' });
  const list = h('div', { testid: 'dl-list' }, h('p', { class: 'muted' }, 'Loading…'));
  view.replaceChildren(
    h(
      'div',
      { class: 'view-head' },
      h('h1', {}, 'Dead letters'),
      h('label', {}, 'Route ', route),
      h('label', {}, 'Show ', replayed),
      replaySelected,
    ),
    outcome,
    list,
  );

  const onFilter = () => (location.hash = `#/dead-letters${query({ route: route.value, replayed: replayed.value })}`);
  route.addEventListener('change', onFilter);
  replayed.addEventListener('change', onFilter);

  let rows = [];
  const selected = new Set();
  const byId = new Map();
  const syncButton = () => {
    replaySelected.disabled = selected.size === 0;
    replaySelected.textContent = selected.size ? `Replay selected (${selected.size})` : 'Replay selected';
  };

  const run = async (ids) => {
    replace(outcome, h('p', { class: 'muted' }, `Replaying ${ids.length}…`));
    try {
      replace(outcome, outcomeList(await replay(ids), byId));
    } catch (err) {
      replace(outcome, errorBox(err, 'dl-outcome'));
    }
    await load();
  };

  const columns = [
    {
      title: checkbox('select all', 'dl-select-all', false, (on) => selectAll(on)),
      cell: (d) =>
        d.replayedAt ? '' : checkbox(`select ${d.id}`, `dl-select-${d.id}`, selected.has(d.id), (on) => toggle(d.id, on)),
    },
    { title: 'created', cell: (d) => fmt.time(d.createdAt) },
    { title: 'message', cell: (d) => link(`#/messages/${encodeURIComponent(d.messageId)}`, d.messageId) },
    { title: 'route', cell: (d) => d.routeId },
    { title: 'target', cell: (d) => d.targetId ?? '(a step)' },
    { title: 'reason', cell: (d) => h('span', { class: 'wrap' }, `${d.reason.code}: ${d.reason.message}`) },
    { title: 'replayed', cell: (d) => (d.replayedAt ? `${fmt.time(d.replayedAt)} (${d.replayCount}×)` : 'no') },
    {
      title: '',
      cell: (d) =>
        d.replayedAt
          ? link(`#/dead-letters/${encodeURIComponent(d.id)}`, 'view')
          : [
              h('button', { type: 'button', testid: `dl-replay-${d.id}`, on: { click: () => run([d.id]) } }, 'Replay'),
              ' ',
              link(`#/dead-letters/${encodeURIComponent(d.id)}`, 'Edit and replay', `dl-edit-${d.id}`),
            ],
    },
  ];
  const toggle = (id, on) => {
    if (on) selected.add(id);
    else selected.delete(id);
    syncButton();
  };
  const selectAll = (on) => {
    for (const d of rows) if (!d.replayedAt) toggle(d.id, on);
    draw();
  };
  const draw = () =>
    replace(list, table(columns, rows, { rowAttrs: (d) => ({ testid: `dl-row-${d.id}` }), empty: 'No dead letters.' }));

  const load = async () => {
    try {
      const flag = replayed.value === 'all' ? '' : replayed.value;
      const { data } = await api(`/admin/dead-letters${query({ route: route.value, replayed: flag, limit: PAGE })}`);
      rows = data;
      for (const d of rows) byId.set(d.id, d);
      for (const id of [...selected]) if (!rows.some((d) => d.id === id && !d.replayedAt)) selected.delete(id);
      syncButton();
      draw();
    } catch (err) {
      replace(list, errorBox(err));
    }
  };
  replaySelected.addEventListener('click', () => void run([...selected]));
  await load();
  return () => undefined;
}
