/**
 * A business rule said no. `code` is stable and becomes the problem `type` of the HTTP answer;
 * `field` names the input at fault when there is one.
 */
export type DomainErrorCode =
  | 'invalid-input'
  | 'insufficient-funds'
  | 'insufficient-items'
  | 'balance-overflow'
  | 'price-changed'
  | 'currency-required'
  | 'currency-not-accepted'
  | 'stack-limit-exceeded'
  | 'unknown-item'
  | 'unknown-leaderboard'
  | 'leaderboard-definition-conflict'
  | 'score-out-of-range'
  | 'period-closed'
  | 'period-not-closed'
  | 'unknown-period'
  | 'not-ranked'
  | 'rewards-pending'
  | 'not-a-tournament'
  | 'tournament-join-closed'
  | 'tournament-full'
  | 'already-joined'
  | 'not-joined'
  | 'tournament-entry-lapsed';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
