/**
 * A benchmark's progress on stderr: which step of how many, its label, and an estimate of the
 * time left once a step has finished. On a terminal a cli-progress bar stays at the bottom, with
 * the log lines scrolling above it; elsewhere (a file, CI) each step is one plain line.
 *
 * @example
 * const p = progress(10);
 * p.step('sqlite list round 2/5');
 * p.log('  sqlite list: 2100 req/s');
 * p.done();
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Starts the next step: the one before it is done. */
  step(label: string): void;
  /** A line of log, written above the bar on a terminal. */
  log(message: string): void;
  /** All steps are done: removes the bar and prints the total time. */
  done(): void;
}

/** `1h 02m`, `3m 05s`, `42s`. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/**
 * The time left when step `current` (1-based) of `total` starts: the mean time of the steps
 * done so far, times the steps still to run. Unknown before the first step has finished.
 */
export function eta(elapsedMs: number, current: number, total: number): string | undefined {
  const finished = current - 1;
  if (finished < 1) return undefined;
  return duration((elapsedMs / finished) * (total - finished));
}

export function progress(total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = performance.now();
  let current = 0;
  /** The next step's number, and its time left as text (empty while unknown). */
  const next = () => {
    current = Math.min(current + 1, total);
    const left = eta(performance.now() - started, current, total);
    return { step: current, left: left === undefined ? '' : `, about ${left} left` };
  };
  const finished = () => `done in ${duration(performance.now() - started)}\n`;

  if (!stream.isTTY) {
    return {
      step(label) {
        const { step, left } = next();
        stream.write(`[${step}/${total}] ${label}${left}\n`);
      },
      log: (message) => stream.write(`${message}\n`),
      done: () => stream.write(finished()),
    };
  }

  const bars = new cliProgress.MultiBar(
    {
      stream,
      // `eta` is cli-progress's own token: the estimate here is `left`.
      format: '{bar} [{step}/{total}] {label}{left} ({duration_formatted})',
      hideCursor: true,
      clearOnComplete: true,
      // Redraws the elapsed time while a long step runs.
      fps: 2,
      formatTime: (seconds: number) => duration(seconds * 1000),
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = bars.create(total, 0, { step: 0, label: 'starting', left: '' });
  // Once the bar is gone, a line goes straight out: the bar's log buffer is never drawn again.
  let stopped = false;
  return {
    step(label) {
      const { step, left } = next();
      bar.update(step - 1, { step, label, left });
    },
    log: (message) => (stopped ? stream.write(`${message}\n`) : bars.log(`${message}\n`)),
    done() {
      bar.update(total);
      bars.stop();
      stopped = true;
      stream.write(finished());
    },
  };
}
