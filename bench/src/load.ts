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
  /** Seconds; ignored when `amount` is set. */
  readonly duration?: number;
  /** Exact number of requests. */
  readonly amount?: number;
  readonly method?: 'GET' | 'POST';
  /** Path and headers of each request, so that requests can rotate keys and session ids. */
  readonly next: () => { path: string; headers: Record<string, string>; body?: string };
}

/** One bounded autocannon run against loopback. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.duration ?? 5 }),
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
