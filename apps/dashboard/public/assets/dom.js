// DOM helpers. Every text the dashboard shows goes in through text nodes (never innerHTML), so message bodies,
// headers and error messages, which are untrusted, can never become markup.

/**
 * Builds an element. `attrs`: `class`, `testid` (data-testid), `on` ({ event: handler }), `value`/`checked`/`disabled`
 * (properties), anything else an attribute; null/undefined/false attributes are left out. Children: strings and
 * numbers become text nodes, arrays are flattened, null/undefined/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'on') for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    else if (name === 'testid') el.dataset.testid = String(value);
    else if (name === 'value' || name === 'checked' || name === 'disabled') el[name] = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * A table. `columns`: [{ title, cell(row) -> node or text, class? }]; `rowAttrs(row)` gives each row's attributes
 * (e.g. its testid). An empty list shows `empty` in one cell.
 */
export function table(columns, rows, { rowAttrs, empty = 'Nothing to show.', testid } = {}) {
  const head = h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.class }, c.title))));
  const body = h(
    'tbody',
    {},
    rows.length === 0
      ? h('tr', {}, h('td', { class: 'empty', colspan: columns.length }, empty))
      : rows.map((row) => h('tr', rowAttrs?.(row) ?? {}, columns.map((c) => h('td', { class: c.class }, c.cell(row))))),
  );
  return h('table', { class: 'grid', testid }, head, body);
}

/** A definition list from [label, value, testid?] triples. */
export function facts(items) {
  return h(
    'dl',
    { class: 'facts' },
    items.map(([label, value, testid]) => [h('dt', {}, label), h('dd', { testid }, value ?? '—')]),
  );
}

/** An error box for a failed API call or a refused action. */
export function errorBox(err, testid = 'view-error') {
  return h('div', { class: 'error', role: 'alert', testid }, err instanceof Error ? err.message : String(err));
}

/** A status badge (delivered, dead, pending...); `kind` picks its colour when the text is not a status. */
export function badge(status, kind = status) {
  return h('span', { class: `badge badge-${String(kind).replace(/[^a-z-]/g, '')}` }, status);
}

/** A link to another view of the dashboard (hash routes). */
export function link(hash, text, testid) {
  return h('a', { href: hash, testid }, text);
}
