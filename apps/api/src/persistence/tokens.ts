/** Injection tokens for the ports; the adapters behind them are chosen by configuration. */
export const EVENT_STORE = Symbol('EVENT_STORE');
export const READ_STORE = Symbol('READ_STORE');
