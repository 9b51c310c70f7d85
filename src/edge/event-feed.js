// createEventFeed: the bridge from a webhook (createEventHandler's `onEvent`) to any number of `client.watch(...)`
// loops in the same process. Every iterator taken from the feed gets every event pushed after it was taken; a
// reader that falls behind loses the oldest (events are hints to a watch, which polls the overview as well).

const DEFAULT_BUFFER = 1000;

/** A broadcast `AsyncIterable` of events with `push(event)` (pass it as `onEvent`) and `close()`. */
export function createEventFeed(options = {}) {
  const buffer = options.bufferSize ?? DEFAULT_BUFFER;
  if (!Number.isInteger(buffer) || buffer < 1) throw new TypeError('createEventFeed: `bufferSize` must be a positive integer');
  const readers = new Set();
  let closed = false;

  function reader() {
    const queue = [];
    let waiting = null;
    const self = {
      offer(event) {
        if (waiting) {
          const w = waiting;
          waiting = null;
          w({ value: event, done: false });
          return;
        }
        queue.push(event);
        if (queue.length > buffer) queue.shift();
      },
      end() {
        readers.delete(self);
        if (waiting) {
          const w = waiting;
          waiting = null;
          w({ value: undefined, done: true });
        }
      },
      iterator: {
        next() {
          if (queue.length > 0) return Promise.resolve({ value: queue.shift(), done: false });
          if (closed || !readers.has(self)) return Promise.resolve({ value: undefined, done: true });
          return new Promise((resolve) => { waiting = resolve; });
        },
        return() {
          queue.length = 0;
          self.end();
          return Promise.resolve({ value: undefined, done: true });
        },
        [Symbol.asyncIterator]() { return this; },
      },
    };
    readers.add(self);
    return self.iterator;
  }

  return {
    /** Hands `event` to every reader; ignored once closed. Bound: `onEvent: feed.push` works. */
    push(event) {
      if (closed) return;
      for (const r of [...readers]) r.offer(event);
    },
    /** Ends every reader's iteration (after what it has queued). */
    close() {
      closed = true;
      for (const r of [...readers]) if (r) r.end();
    },
    [Symbol.asyncIterator]: reader,
  };
}
