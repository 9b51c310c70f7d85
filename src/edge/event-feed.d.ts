import type { EventFeed, IncomingEvent } from "../altinn_broker_client.js";

export interface EventFeedOptions {
  /** Events a slow reader may fall behind by before the oldest are dropped (default 1000). */
  bufferSize?: number;
}

/** A broadcast feed: every iterator taken from it gets every event pushed afterwards. */
export interface PushEventFeed extends EventFeed {
  /** Hands an event to every reader (bound: pass `feed.push` as `createEventHandler`'s `onEvent`). */
  push(event: IncomingEvent): void;
  /** Ends every reader's iteration. */
  close(): void;
  [Symbol.asyncIterator](): AsyncIterableIterator<IncomingEvent>;
}

/** Connects a webhook to `client.watch(id, { events: feed })` loops in the same process. */
export declare function createEventFeed(options?: EventFeedOptions): PushEventFeed;
