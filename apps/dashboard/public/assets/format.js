// How numbers and times read on the page. A missing figure is an em dash, never 0: "no sample" is not "fast".

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** Epoch milliseconds as local `YYYY-MM-DD HH:MM:SS.mmm`. */
export function time(ms) {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}

/** Messages per second: one decimal below 100. */
export function rate(n) {
  if (n === null || n === undefined) return '—';
  return n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(1);
}

export function ms(n) {
  if (n === null || n === undefined) return '—';
  return n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n >= 10 ? Math.round(n) : n.toFixed(1)} ms`;
}

/** A 0..1 ratio as a percentage. */
export function percent(n) {
  if (n === null || n === undefined) return '—';
  return `${(n * 100).toFixed(n > 0 && n < 0.001 ? 2 : 1)} %`;
}

/** A size in bytes, in binary units (the journal's size). */
export function bytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(n >= 100 ? 0 : 1)} ${units[i]}`;
}

export function count(n) {
  return n === null || n === undefined ? '—' : Number(n).toLocaleString('en');
}

/** A datetime-local input's value (local time) as an ISO instant, and back. */
export function localToIso(value) {
  return value ? new Date(value).toISOString() : '';
}
export function isoToLocal(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A body for reading: JSON pretty-printed, anything else as it is. */
export function prettyBody(text, contentType) {
  if (!/json/i.test(contentType ?? '')) return text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
