/** What `/health` answers for a node on SQLite, in-memory limits and disk results, all up. */
export const healthyBody =
  '{"status":"ok","backends":{"database":{"kind":"sqlite","status":"ok"},"sharedState":{"kind":"memory","status":"ok"},"storage":{"kind":"disk","status":"ok"}}}';
