/**
 * Subgraph health: each subgraph answers `GET <origin>/health` with 200 when it can serve. Probes run
 * in parallel, each bounded by `subgraphHealthTimeoutMs`.
 */
export const subgraphHealthTimeoutMs = 2_000;
export const subgraphHealthPath = '/health';

export type SubgraphHealth = 'ok' | 'down';

export interface GatewayHealth {
  status: 'ok' | 'degraded';
  subgraphs: Record<string, SubgraphHealth>;
}

/** Requires: every URL is absolute http(s). */
export async function checkSubgraphs(subgraphUrls: Readonly<Record<string, string>>, timeoutMs = subgraphHealthTimeoutMs): Promise<GatewayHealth> {
  const entries = await Promise.all(
    Object.entries(subgraphUrls).map(async ([name, url]): Promise<[string, SubgraphHealth]> => {
      try {
        const response = await fetch(new URL(subgraphHealthPath, url), { signal: AbortSignal.timeout(timeoutMs) });
        await response.body?.cancel();
        return [name, response.ok ? 'ok' : 'down'];
      } catch {
        return [name, 'down'];
      }
    }),
  );
  const subgraphs = Object.fromEntries(entries);
  return { status: entries.every(([, health]) => health === 'ok') ? 'ok' : 'degraded', subgraphs };
}
