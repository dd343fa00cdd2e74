/** Injection tokens for the ports; the adapters behind them are chosen by configuration. */
export const EVENT_STORE = Symbol('EVENT_STORE');
export const READ_STORE = Symbol('READ_STORE');
/** The embedded read models' snapshots (a ReadModelSnapshotter), null where there are none. */
export const READ_MODEL_SNAPSHOTS = Symbol('READ_MODEL_SNAPSHOTS');
/** The boot's replay on two threads (a ParallelReplay), null where it does not apply. */
export const PARALLEL_REPLAY = Symbol('PARALLEL_REPLAY');
