import type { BrokerClient, BrokerEvent, FileTransferOverview } from "../altinn_broker_client.js";

/** Remembers the ids of events already handled. May be async (a shared KV store, a database). */
export interface SeenStore {
  /** Records `id`; true when it was not seen before (the event is new), false for a repeated delivery. */
  firstSeen(id: string): boolean | Promise<boolean>;
  /** Forgets `id` (called when handling it failed, so a new delivery is handled). */
  forget?(id: string): void | Promise<void>;
}

export interface MemorySeenStoreOptions {
  /** Ids kept at most (default 10000); the oldest goes first. */
  max?: number;
  /** How long an id is kept (default 36 h: the service's retries span about 35 h). */
  ttlMs?: number;
}

/** The default seen-store: bounded, expiring, in this process's (isolate's) memory. */
export declare function memorySeenStore(options?: MemorySeenStoreOptions): Required<SeenStore>;

export interface EventContext {
  /** The transfer's overview as the service showed it to `client` (with `verify`); null without `verify`. */
  overview: FileTransferOverview | null;
}

export interface EventHandlerOptions {
  /** Called once per event id; the validation handshake never reaches it. Its failure (without `waitUntil`)
   * answers 500, and the service delivers the event again. */
  onEvent: (event: BrokerEvent, context: EventContext) => void | Promise<void>;
  /** The client `verify` reads overviews with. */
  client?: BrokerClient;
  /** Drops repeated deliveries by CloudEvent `id` (default `memorySeenStore()`). */
  seen?: SeenStore;
  /**
   * Pushes are unsigned (events-auth §1.5): with `verify`, an event reaches `onEvent` only when `client` reads a
   * transfer with its id on its resource. Default false.
   */
  verify?: boolean;
  /** Called for an event `verify` did not believe, with why. */
  onUnverified?: (event: BrokerEvent, reason: string) => void | Promise<void>;
  /**
   * The runtime's "keep working after the answer" (workerd: `ctx.waitUntil.bind(ctx)`): given, the handler answers
   * 200 as soon as the event is read and new, and handles it afterwards.
   */
  waitUntil?: (work: Promise<unknown>) => void;
  /** Told of a failure of `onEvent` (or of `verify`'s read); with `waitUntil` it is the only place it shows. */
  onError?: (error: unknown, event: BrokerEvent) => void | Promise<void>;
}

/**
 * A fetch-style webhook for Altinn Events (workerd, Deno, Node): 200 for the validation handshake, 400 with the
 * reason for a body that is not a CloudEvent, 405 for another method, 413 for a body over 64 KiB, 200 for a
 * repeated delivery (dropped), and 200 for a new event once handled (with `waitUntil`: at once).
 * Create it after the package is initialised (it reads events with the wasm; Node's entry does it on import).
 */
export declare function createEventHandler(options: EventHandlerOptions): (request: Request) => Promise<Response>;
