// Live updates. A page asks an UpdateSource to watch something it can load (a transfer's details, a search); the
// source calls back when the loaded value changed. Today the source is polling with backoff: the first poll at
// once, then after `minMs`, doubling while nothing changes up to `maxMs`, back to `minMs` after a change or a
// `poke()` (the page just did something, e.g. confirmed); none while the tab is hidden; never two at a time. When
// the edge proxy exposes the events feed (the events issue), a push source implements the same interface and pokes
// the watches its events concern, so pages do not change.
export interface Watch<T> {
  /** Loads the current value; the signal aborts when the watch stops. */
  load: (signal: AbortSignal) => Promise<T>;
  /** What identifies a value: equal keys mean nothing changed (no callback). */
  key: (value: T) => string;
  onValue: (value: T) => void;
  onError: (error: unknown) => void;
  /** Stop watching once this holds (e.g. the transfer reached a terminal status). */
  done?: (value: T) => boolean;
}

export interface Subscription {
  /** Load again now and restart the backoff. */
  poke(): void;
  stop(): void;
}

export interface UpdateSource {
  watch<T>(watch: Watch<T>, signal: AbortSignal): Subscription;
}

export interface PollingOptions {
  minMs: number;
  maxMs: number;
}

export function pollingSource({ minMs, maxMs }: PollingOptions): UpdateSource {
  return {
    watch<T>(w: Watch<T>, outer: AbortSignal): Subscription {
      const stopper = new AbortController();
      const signal = AbortSignal.any([outer, stopper.signal]);
      let delay = minMs;
      let last: string | null = null;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let running = false;
      let again = false;

      const schedule = (ms: number) => {
        clearTimeout(timer);
        if (!signal.aborted) timer = setTimeout(tick, ms);
      };
      const whenVisible = () => {
        document.removeEventListener('visibilitychange', whenVisible);
        if (!document.hidden) schedule(0);
        else document.addEventListener('visibilitychange', whenVisible, { signal });
      };
      async function tick(): Promise<void> {
        if (signal.aborted) return;
        if (document.hidden) {
          document.addEventListener('visibilitychange', whenVisible, { signal });
          return;
        }
        if (running) {
          again = true;
          return;
        }
        running = true;
        let changed = false;
        try {
          const value = await w.load(signal);
          if (signal.aborted) return;
          const k = w.key(value);
          if (k !== last) {
            last = k;
            changed = true;
            w.onValue(value);
          }
          if (w.done?.(value)) {
            stopper.abort();
            return;
          }
        } catch (e) {
          if (signal.aborted) return;
          w.onError(e);
        } finally {
          running = false;
        }
        delay = changed || again ? minMs : Math.min(delay * 2, maxMs);
        const next = again ? 0 : delay;
        again = false;
        schedule(next);
      }
      signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
      schedule(0);
      return {
        poke() {
          delay = minMs;
          if (running) again = true;
          else schedule(0);
        },
        stop() {
          stopper.abort();
        },
      };
    },
  };
}

/** The portal's source: polling, 1 s → 10 s (the page reads `?poll=min,max` for tests and slow links). */
export function defaultSource(): UpdateSource {
  const [min, max] = (new URLSearchParams(location.search).get('poll') ?? '').split(',').map(Number);
  return pollingSource({ minMs: min > 0 ? min : 1000, maxMs: max > 0 ? max : 10000 });
}
