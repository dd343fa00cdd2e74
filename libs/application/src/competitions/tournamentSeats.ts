import { DomainError, economy, leaderboards } from '@app/domain';
import { type CommandContext } from '../commandContext';
import { type CommandResult, eventId } from '../idempotentAppend';
import type { StreamCommandHandler } from '../streamCommandHandler';
import { systemContext } from './systemCommands';

/** How long a seat stays reserved for a join under way before anyone may settle it. */
export const SEAT_RESERVATION_MS = 60_000;

/** The actor of the seat settling the backend does itself. */
const SEATS_ACTOR = 'tournament-seats';

/**
 * Joining a tournament spans two streams: the seat on the tournament's stream (so a full tournament stays
 * full), the fee and the entry on the player's economy stream (so paying and entering are one event). It
 * runs as a small saga, each step idempotent under keys derived from the join's Idempotency-Key:
 *   1. reserve a seat (refused, with nothing written, when closed, full or already joined);
 *   2. record the entry and pay the fee (refused when unaffordable);
 *   3. confirm the seat, or release it when step 2 refused.
 * An interruption between the steps leaves a reserved seat: the join's retry, the player's next score,
 * a join that needs the seat once the reservation expired, or the close settles it, always following
 * the economy stream: entered means confirmed, otherwise the entry is lapsed there first (so it can
 * never be recorded later) and the seat released.
 */
export class TournamentSeats {
  constructor(private readonly streams: StreamCommandHandler) {}

  async join(leaderboardId: string, playerId: string, context: CommandContext): Promise<CommandResult> {
    const boardStream = leaderboards.leaderboardStreamId(leaderboardId);
    const step = (name: string): CommandContext => ({
      ...context,
      idempotencyKey: `${context.idempotencyKey}:${name}`,
    });
    const reservationId = eventId(context, -2);
    const now = context.receivedAt;

    const board = (await this.streams.load(boardStream, leaderboards.leaderboardDecider)).state;
    const rules = board.status === 'Defined' ? board.tournament : undefined;
    // Affordability is checked before a seat is taken, so an unaffordable join writes nothing.
    if (rules?.entryFee) await this.refuseUnaffordable(playerId, rules.entryFee);
    if (board.status === 'Defined' && rules && board.seats.size >= rules.maxParticipants) {
      await this.settleLapsed(leaderboardId, now);
    }
    const reserved = await this.streams.handle(
      boardStream,
      leaderboards.leaderboardDecider,
      (state) =>
        leaderboards.reserveSeat(
          {
            type: 'ReserveSeat',
            data: {
              leaderboardId,
              playerId,
              reservationId,
              now,
              expiresAt: new Date(now.getTime() + SEAT_RESERVATION_MS),
            },
          },
          state,
        ),
      step('seat'),
    );
    try {
      const entered = await this.enter(leaderboardId, playerId, reservationId, step('entry'));
      const confirmed = await this.confirm(leaderboardId, playerId, reservationId, step('confirm'));
      return { ...entered, position: Math.max(entered.position, confirmed.position, reserved.position) };
    } catch (refusal) {
      // The entry was refused: lapse it, so a retry of this join cannot enter on a released seat.
      if (refusal instanceof DomainError)
        await this.settle(leaderboardId, playerId, reservationId, now, 'refused');
      throw refusal;
    }
  }

  /** Settles every reservation of the tournament that expired unconfirmed. */
  async settleLapsed(leaderboardId: string, now: Date): Promise<void> {
    const board = (
      await this.streams.load(
        leaderboards.leaderboardStreamId(leaderboardId),
        leaderboards.leaderboardDecider,
      )
    ).state;
    for (const { playerId, reservationId } of leaderboards.lapsedReservations(board, now)) {
      await this.settle(leaderboardId, playerId, reservationId, now);
    }
  }

  /** Confirms the seat when its entry is recorded; otherwise lapses the entry and releases the seat. */
  async settle(
    leaderboardId: string,
    playerId: string,
    reservationId: string,
    now: Date,
    reason: 'refused' | 'lapsed' = 'lapsed',
  ): Promise<void> {
    const key = (name: string) => systemContext(SEATS_ACTOR, `seat:${reservationId}:${name}`, now);
    await this.streams.handle(
      economy.playerEconomyStreamId(playerId),
      economy.playerEconomyDecider,
      (state) =>
        economy.lapseTournamentEntry(
          { type: 'LapseTournamentEntry', data: { playerId, leaderboardId, reservationId, reason } },
          state,
        ),
      key('lapse'),
    );
    if (!(await this.confirmIfEntered(leaderboardId, playerId, reservationId, now))) {
      await this.release(leaderboardId, playerId, reservationId, reason, key('release'));
    }
  }

  /** Confirms a reserved seat whose entry is recorded (a join interrupted after paying); false when it is not. */
  async confirmIfEntered(
    leaderboardId: string,
    playerId: string,
    reservationId: string,
    now: Date,
  ): Promise<boolean> {
    const { state } = await this.streams.load(
      economy.playerEconomyStreamId(playerId),
      economy.playerEconomyDecider,
    );
    const entry = Object.hasOwn(state.tournaments, leaderboardId)
      ? state.tournaments[leaderboardId]
      : undefined;
    if (entry?.status !== 'entered' || entry.reservationId !== reservationId) return false;
    const context = systemContext(SEATS_ACTOR, `seat:${reservationId}:confirm`, now);
    await this.confirm(leaderboardId, playerId, reservationId, context);
    return true;
  }

  private async refuseUnaffordable(playerId: string, fee: leaderboards.EntryFee): Promise<void> {
    const { state } = await this.streams.load(
      economy.playerEconomyStreamId(playerId),
      economy.playerEconomyDecider,
    );
    const held =
      'currency' in fee ? economy.balanceOf(state, fee.currency) : economy.quantityOf(state, fee.sku);
    const due = 'currency' in fee ? fee.amount : fee.quantity;
    if (held < due) {
      throw new DomainError(
        'currency' in fee ? 'insufficient-funds' : 'insufficient-items',
        `the entry fee is ${due} ${'currency' in fee ? fee.currency : fee.sku}; the player has ${held}`,
        'leaderboardId',
      );
    }
  }

  private async enter(
    leaderboardId: string,
    playerId: string,
    reservationId: string,
    context: CommandContext,
  ): Promise<CommandResult> {
    const board = (
      await this.streams.load(
        leaderboards.leaderboardStreamId(leaderboardId),
        leaderboards.leaderboardDecider,
      )
    ).state;
    const fee = board.status === 'Defined' ? board.tournament?.entryFee : undefined;
    return this.streams.handle(
      economy.playerEconomyStreamId(playerId),
      economy.playerEconomyDecider,
      (state) =>
        economy.enterTournament(
          {
            type: 'EnterTournament',
            data: {
              playerId,
              leaderboardId,
              reservationId,
              ...(fee ? { fee } : {}),
            },
          },
          state,
        ),
      context,
    );
  }

  private confirm(leaderboardId: string, playerId: string, reservationId: string, context: CommandContext) {
    return this.streams.handle(
      leaderboards.leaderboardStreamId(leaderboardId),
      leaderboards.leaderboardDecider,
      (state) => leaderboards.confirmSeat({ type: 'ConfirmSeat', data: { playerId, reservationId } }, state),
      context,
    );
  }

  private release(
    leaderboardId: string,
    playerId: string,
    reservationId: string,
    reason: 'refused' | 'lapsed',
    context: CommandContext,
  ) {
    return this.streams.handle(
      leaderboards.leaderboardStreamId(leaderboardId),
      leaderboards.leaderboardDecider,
      (state) =>
        leaderboards.releaseSeat({ type: 'ReleaseSeat', data: { playerId, reservationId, reason } }, state),
      context,
    );
  }
}
