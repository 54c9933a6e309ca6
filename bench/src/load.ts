import autocannon from 'autocannon';

export interface LoadResult {
  readonly requests: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  /** Seconds of load. */
  readonly duration: number;
  readonly method?: 'GET' | 'POST';
  /** Path and headers of each request, so that requests can rotate keys and session ids. */
  readonly next: () => { path: string; headers: Record<string, string>; body?: string };
}

/**
 * One timed autocannon run against loopback. Always by duration: autocannon ends a run of a
 * fixed number of requests only at its next whole-second tick, so a run of N requests that took
 * 6.1 s reports 7 s, and its rate comes out as much as a seventh low.
 */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.duration,
    timeout: 10,
    requests: [
      {
        method: options.method ?? 'GET',
        setupRequest: (req) => {
          const n = options.next();
          return { ...req, path: n.path, headers: { ...req.headers, ...n.headers }, body: n.body };
        },
      },
    ],
  });
  const requests = result['2xx'] + result.non2xx;
  return {
    requests,
    rps: Math.round(requests / Math.max(result.duration, 0.001)),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
