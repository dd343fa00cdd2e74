/**
 * The shapes every feature's business logic is written in: plain data in, plain data out.
 * `decide` turns a command and the current state into new events (or throws a DomainError);
 * `evolve` folds one event into the state. Neither does I/O, so both replay identically.
 */
export type DomainEvent<Type extends string = string, Data = unknown> = Readonly<{
  type: Type;
  data: Readonly<Data>;
}>;

export type Command<Type extends string = string, Data = unknown> = Readonly<{
  type: Type;
  data: Readonly<Data>;
}>;

/**
 * How a decider's state is snapshotted, for streams that grow long. `version` names the `evolve` that
 * folded the state: bump it whenever evolve or the state's shape changes, and every snapshot written
 * before is ignored (it folded the same events by other rules). The state must come back from
 * JSON.stringify and JSON.parse equal to itself, or `toJson`/`fromJson` convert it (a Map, say).
 */
export type StateSnapshots<State> = Readonly<{
  version: number;
  toJson?: (state: State) => unknown;
  fromJson?: (json: unknown) => State;
}>;

export type Decider<State, Cmd extends Command, Event extends DomainEvent> = {
  initialState: () => State;
  decide: (command: Cmd, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  /** Absent: the stream is short and always folded whole. */
  snapshots?: StateSnapshots<State>;
};

/** Folds a stream's events into state, starting from the decider's initial state. */
export const fold = <State, Event extends DomainEvent>(
  decider: Pick<Decider<State, never, Event>, 'initialState' | 'evolve'>,
  events: readonly Event[],
  from: State = decider.initialState(),
): State => events.reduce(decider.evolve, from);
