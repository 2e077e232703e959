// One dead letter: why it died, and a form to edit what is sent (body, content type, headers) before replaying it.
// The edit replaces the stored copy as a whole: POST /admin/dead-letters/:id/replay { body, contentType, headers }.
import { api } from './api.js';
import { errorBox, facts, h, link, replace } from './dom.js';
import * as fmt from './format.js';
import { outcomeList } from './dead-letters.js';

function headerRow(name = '', value = '') {
  const field = (cls, v, label) =>
    h('input', { class: cls, value: v, placeholder: label, 'aria-label': `header ${label}`, testid: `dl-edit-${cls}` });
  const row = h(
    'div',
    { class: 'header-row', testid: 'dl-edit-header' },
    field('header-name', name, 'name'),
    field('header-value', value, 'value'),
  );
  const remove = () => row.remove();
  row.append(h('button', { type: 'button', 'aria-label': `remove header ${name}`, on: { click: remove } }, 'Remove'));
  return row;
}

/** Renders dead letter `id` with its edit form into `view`. */
export async function renderDeadLetter(view, id) {
  const title = h('h1', {}, 'Dead letter ', h('code', {}, id));
  view.replaceChildren(h('div', { class: 'view-head' }, title, link('#/dead-letters', '← dead letters')));
  let dl;
  try {
    dl = (await api(`/admin/dead-letters/${encodeURIComponent(id)}`)).data;
  } catch (err) {
    view.append(err.status === 404 ? errorBox(`No dead letter ${id}.`) : errorBox(err));
    return () => undefined;
  }
  const binary = dl.encoding === 'base64';
  const contentType = h('input', { name: 'contentType', value: dl.contentType, testid: 'dl-edit-content-type' });
  // A binary body cannot be edited as text: it is left as stored (not sent with the edit).
  const body = h('textarea', { name: 'body', rows: 14, spellcheck: 'false', testid: 'dl-edit-body', disabled: binary });
  body.value = binary
    ? `(binary, ${dl.body.length} base64 characters: kept as stored)`
    : fmt.prettyBody(dl.body, dl.contentType);
  const rows = Object.entries(dl.headers).map(([n, v]) => headerRow(n, v));
  const headers = h('div', { class: 'headers-edit', testid: 'dl-edit-headers' }, rows);
  const add = () => headers.append(headerRow());
  const addHeader = h('button', { type: 'button', testid: 'dl-edit-add-header', on: { click: add } }, 'Add header');
  const outcome = h('div', { 'aria-live': 'polite' });
  const submit = h(
    'button',
    { type: 'submit', class: 'primary', testid: 'dl-edit-submit', disabled: Boolean(dl.replayedAt) },
    'Replay with these edits',
  );
  const form = h(
    'form',
    { class: 'edit', testid: 'dl-edit-form' },
    h('label', {}, 'Content type', contentType),
    h('label', {}, 'Body', body),
    h('fieldset', {}, h('legend', {}, 'Headers'), headers, addHeader),
    h('div', { class: 'actions' }, submit),
  );
  view.append(
    facts([
      ['Message', link(`#/messages/${encodeURIComponent(dl.messageId)}`, dl.messageId, 'dl-message-link')],
      ['Route', dl.routeId],
      ['Target', dl.targetId ?? '(a step failed: the whole message is routed again)'],
      ['Reason', `${dl.reason.code}: ${dl.reason.message}`, 'dl-reason'],
      ['Created', fmt.time(dl.createdAt)],
      ['Replayed', dl.replayedAt ? `${fmt.time(dl.replayedAt)} (${dl.replayCount}×)` : 'no', 'dl-replayed'],
    ]),
    h('h2', {}, 'Edit, then replay'),
    outcome,
    form,
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const edited = {};
    for (const row of headers.querySelectorAll('.header-row')) {
      const name = row.querySelector('.header-name').value.trim().toLowerCase();
      if (name) edited[name] = row.querySelector('.header-value').value;
    }
    const edit = { contentType: contentType.value.trim() || dl.contentType, headers: edited };
    if (!binary) edit.body = body.value;
    submit.disabled = true;
    try {
      const path = `/admin/dead-letters/${encodeURIComponent(id)}/replay`;
      const { data } = await api(path, { method: 'POST', body: edit });
      replace(outcome, outcomeList([{ id, requeued: data.requeued }], new Map([[id, dl]]), 'dl-edit-outcome'));
    } catch (err) {
      submit.disabled = false;
      replace(outcome, errorBox(err, 'dl-edit-outcome'));
    }
  });
  return () => undefined;
}
