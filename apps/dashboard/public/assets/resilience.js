// Resilience panel of the overview: the circuit breakers that are not closed (which targets, since when) and the
// throttles holding messages back, from GET /admin/resilience, refreshed every two seconds while the view is open.
import { api } from './api.js';
import { badge, h, replace, table } from './dom.js';
import * as fmt from './format.js';

const REFRESH_MS = 2000;

/** Renders into `box`; returns its cleanup (stops the refresh). */
export function renderResilience(box) {
  const breakers = h('div', { testid: 'open-breakers' });
  const throttles = h('div', { testid: 'throttled-routes' });
  replace(box, h('h2', {}, 'Open circuit breakers'), breakers, h('h2', {}, 'Throttles'), throttles);
  let stopped = false;
  let timer;

  const draw = (data) => {
    const open = data.circuits.filter((c) => c.state !== 'closed');
    replace(
      breakers,
      table(
        [
          { title: 'route', cell: (c) => c.routeId },
          { title: 'target', cell: (c) => c.targetId },
          { title: 'state', cell: (c) => badge(c.state, c.state === 'open' ? 'dead' : 'pending') },
          { title: 'since', cell: (c) => fmt.time(c.since) },
          { title: 'failures / calls', class: 'num', cell: (c) => `${fmt.count(c.failures)} / ${fmt.count(c.calls)}` },
          { title: 'next probe', cell: (c) => (c.probeAt ? fmt.time(c.probeAt) : '—') },
        ],
        open,
        { empty: 'Every circuit breaker is closed.', rowAttrs: (c) => ({ testid: `breaker-${c.routeId}-${c.targetId}` }) },
      ),
    );
    const held = data.throttles.filter((t) => t.throttled > 0 || t.waiting > 0 || t.refused > 0);
    replace(
      throttles,
      table(
        [
          { title: 'route', cell: (t) => t.routeId },
          { title: 'target', cell: (t) => t.targetId ?? '(route)' },
          { title: 'rate', class: 'num', cell: (t) => `${fmt.rate(t.perSecond)}/s` },
          { title: 'waiting', class: 'num', cell: (t) => fmt.count(t.waiting) },
          { title: 'held back', class: 'num', cell: (t) => fmt.count(t.throttled) },
          { title: 'refused (429)', class: 'num', cell: (t) => fmt.count(t.refused) },
          { title: 'last', cell: (t) => (t.lastThrottledAt ? fmt.time(t.lastThrottledAt) : '—') },
        ],
        held,
        { empty: 'No throttle has held anything back.', rowAttrs: (t) => ({ testid: `throttle-${t.routeId}-${t.targetId ?? 'route'}` }) },
      ),
    );
  };

  const refresh = async () => {
    try {
      const { data } = await api('/admin/resilience');
      if (!stopped) draw(data);
    } catch {
      // The live status shows a lost connection; the panel keeps its last figures.
    }
    if (!stopped) timer = setTimeout(refresh, REFRESH_MS);
  };
  void refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
