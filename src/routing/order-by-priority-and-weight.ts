/**
 * The order in which a request tries its channels: highest priority first; among equal
 * priorities a weighted random order (Efraimidis–Spirakis: sort by `u^(1/weight)`), so a
 * channel of weight 3 comes first three times as often as one of weight 1.
 */
export interface Weighted {
  readonly priority: number;
  readonly weight: number;
}

export function orderByPriorityAndWeight<Target extends Weighted>(targets: readonly Target[], random: () => number = Math.random): Target[] {
  return targets
    .map((target) => ({ target, key: Math.pow(random(), 1 / target.weight) }))
    .sort((a, b) => b.target.priority - a.target.priority || b.key - a.key)
    .map(({ target }) => target);
}
