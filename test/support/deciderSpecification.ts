import type { Command, Decider, DomainEvent } from '@app/domain';
import { DomainError, type DomainErrorCode } from '@app/domain';

/**
 * given(events).when(command).then(events) - the business rule, read as a specification.
 * In the style of Emmett's DeciderSpecification.
 */
export const deciderSpecification = <State, Cmd extends Command, Event extends DomainEvent>(
  decider: Decider<State, Cmd, Event>,
) => ({
  given: (events: readonly Event[]) => ({
    when: (command: Cmd) => {
      const act = () => decider.decide(command, events.reduce(decider.evolve, decider.initialState()));
      return {
        then: (expected: readonly Event[]) => expect(act()).toEqual(expected),
        thenNothingHappens: () => expect(act()).toEqual([]),
        thenRejects: (code: DomainErrorCode, field?: string) => {
          let error: unknown;
          try {
            act();
          } catch (caught) {
            error = caught;
          }
          expect(error).toBeInstanceOf(DomainError);
          expect((error as DomainError).code).toBe(code);
          if (field !== undefined) expect((error as DomainError).field).toBe(field);
        },
      };
    },
  }),
});
