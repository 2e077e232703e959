import type { DeadLetterSummary, DeliveryDetail, MessageDetail, PartSummary } from './store.types';

/**
 * The tree of a split message as the journal holds it. A split part is a message of its own for the targets (its id
 * `<message id>.<index>`, nested `<message id>.<i>.<j>`, is what they get as the message id), while the journal keeps
 * one record per message received: each delivery names the part it carries (`part_id`). The tree is built from those
 * on reading, off the hot path; a part a filter dropped made no delivery and is not in it (the message's hops count
 * the parts).
 */

/** A part id's parent and own index: `a.3.1` -> `a.3` and 1. */
function splitId(id: string): { parentId: string; index: number } {
  const dot = id.lastIndexOf('.');
  return { parentId: id.slice(0, dot), index: Number(id.slice(dot + 1)) };
}

/** The id of the message a part id belongs to (`a.3.1` -> `a`), or undefined when `id` is not a part's. */
export function rootOfPartId(id: string): string | undefined {
  const m = /^(.+?)((?:\.\d{1,9})+)$/.exec(id);
  return m ? m[1] : undefined;
}

function partStatus(deliveries: readonly DeliveryDetail[]): PartSummary['status'] {
  const own = deliveries.filter((d) => !d.wireTap);
  if (own.some((d) => d.status === 'pending')) return 'pending';
  return own.some((d) => d.status === 'dead') ? 'dead' : 'delivered';
}

/** The parts under `rootId` that made deliveries, in document order, each with its own parts; undefined when none. */
export function partsTree(rootId: string, deliveries: readonly DeliveryDetail[]): PartSummary[] | undefined {
  const byPart = new Map<string, DeliveryDetail[]>();
  for (const d of deliveries) {
    // The root's own deliveries (a part read by its id) are not parts under it.
    if (!d.partId || !d.partId.startsWith(`${rootId}.`)) continue;
    // A nested part's ancestors are parts too, even when only their own parts made deliveries.
    for (let id = d.partId; id.length > rootId.length; id = splitId(id).parentId) {
      if (!byPart.has(id)) byPart.set(id, []);
    }
    byPart.get(d.partId)!.push(d);
  }
  if (byPart.size === 0) return undefined;
  const nodes = new Map<string, PartSummary>();
  const under = (id: string): DeliveryDetail[] => deliveries.filter((d) => d.partId === id || d.partId?.startsWith(`${id}.`));
  for (const id of byPart.keys()) {
    const { parentId, index } = splitId(id);
    const all = under(id);
    nodes.set(id, { id, parentId, index, status: partStatus(all), deliveries: byPart.get(id)!.map((d) => d.id) });
  }
  const top: PartSummary[] = [];
  for (const node of nodes.values()) {
    const parent = nodes.get(node.parentId);
    if (parent) (parent.parts ??= []).push(node);
    else top.push(node);
  }
  const sort = (list: PartSummary[]) => {
    list.sort((a, b) => a.index - b.index);
    for (const n of list) if (n.parts) sort(n.parts);
  };
  sort(top);
  return top;
}

/**
 * A split part read by its own id: the journal record of its message narrowed to the part's deliveries (its own parts'
 * included) and their dead letters, with its parent's id and its own parts. Headers and body are those of the part's
 * first delivery (the part as its first target got it): the journal keeps no other copy. Null when the message has
 * no such part.
 */
export function partView(root: MessageDetail, partId: string): MessageDetail | null {
  const deliveries = root.deliveries.filter((d) => d.partId === partId || d.partId?.startsWith(`${partId}.`));
  if (deliveries.length === 0) return null;
  const ids = new Set(deliveries.map((d) => d.id));
  const first = deliveries.find((d) => d.partId === partId) ?? deliveries[0];
  const deadLetters: DeadLetterSummary[] = root.deadLetters.filter((dl) => dl.deliveryId !== null && ids.has(dl.deliveryId));
  const subtree = partsTree(partId, deliveries);
  const status = partStatus(deliveries);
  return {
    ...root,
    id: partId,
    parentId: splitId(partId).parentId,
    status,
    failure: status === 'dead' ? (deadLetters[0]?.reason ?? root.failure) : null,
    headers: first.headers,
    contentType: first.contentType,
    body: first.body,
    deliveries,
    deadLetters,
    ...(subtree ? { parts: subtree } : { parts: undefined }),
  };
}
