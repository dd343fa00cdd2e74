import type { Command, Decider, DomainEvent } from '../shared/decider';
import { DomainError } from '../shared/errors';
import { assertCurrency } from '../shared/values';

/**
 * A currency competitions may pay or charge. Grants and spends take any well-formed code; a reward
 * table or an entry fee names only defined ones, so a typo cannot mint a currency nobody can spend.
 */
export type CurrencyDefinition = Readonly<{ code: string; name: string }>;

export type CurrencyDefined = DomainEvent<'CurrencyDefined', CurrencyDefinition>;
export type CurrencyUpdated = DomainEvent<'CurrencyUpdated', CurrencyDefinition>;
export type CurrencyEvent = CurrencyDefined | CurrencyUpdated;

export type Currency = { status: 'Undefined' } | ({ status: 'Defined' } & CurrencyDefinition);

export type DefineCurrency = Command<'DefineCurrency', CurrencyDefinition>;

const MAX_NAME_LENGTH = 200;

export const defineCurrency = ({ data }: DefineCurrency, state: Currency): CurrencyEvent[] => {
  assertCurrency(data.code, 'code');
  if (typeof data.name !== 'string' || data.name.trim() === '' || data.name.length > MAX_NAME_LENGTH) {
    throw new DomainError('invalid-input', `name must be 1..${MAX_NAME_LENGTH} characters`, 'name');
  }
  const definition = { code: data.code, name: data.name.trim() };
  if (state.status === 'Undefined') return [{ type: 'CurrencyDefined', data: definition }];
  return state.name === definition.name ? [] : [{ type: 'CurrencyUpdated', data: definition }];
};

export const currencyDecider: Decider<Currency, DefineCurrency, CurrencyEvent> = {
  initialState: () => ({ status: 'Undefined' }),
  evolve: (_state, event) => ({ status: 'Defined', ...event.data }),
  decide: defineCurrency,
};

export const currencyStreamId = (code: string): string => `currency-${code}`;
