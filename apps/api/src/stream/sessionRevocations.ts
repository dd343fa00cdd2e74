import { sessions } from '@app/domain';
import type { EventStore, RecordedEventWithoutMetadata } from '@app/event-store';
import type { LogFollower } from '../persistence/logFollower';

type Revoked = sessions.PlayerSessionsRevoked['data'];

/**
 * When each player's sessions were last revoked, as the log says: read once at start (the `sessions-`
 * streams), then kept current by the api's follower of the log, so every api instance learns of a
 * revocation within its follower's lag and tells its listeners (the stream closes the connections).
 */
export class SessionRevocations {
  private readonly revokedAt = new Map<string, number>();
  private readonly listeners = new Set<(playerId: string, revokedAt: number) => void>();
  private readonly stopFollowing: () => void;

  constructor(follower: LogFollower) {
    // Listening before reading the history: an overlap is harmless (the latest moment wins), a gap is not.
    this.stopFollowing = follower.onApplied((events) => this.applied(events));
  }

  async load(events: EventStore): Promise<void> {
    for await (const batch of events.readStreamsByPrefix(sessions.PLAYER_SESSIONS_STREAM_PREFIX, {}))
      for (const event of batch) this.revoke(event.data as Revoked);
  }

  /** Whether a token issued at `issuedAt` for this player has been revoked since. */
  isRevoked(playerId: string, issuedAt: Date): boolean {
    const revokedAt = this.revokedAt.get(playerId);
    return revokedAt !== undefined && issuedAt.getTime() <= revokedAt;
  }

  onRevoked(listener: (playerId: string, revokedAt: number) => void): void {
    this.listeners.add(listener);
  }

  close(): void {
    this.stopFollowing();
    this.listeners.clear();
  }

  private applied(events: readonly RecordedEventWithoutMetadata[]): void {
    for (const event of events) {
      if (event.type !== 'PlayerSessionsRevoked') continue;
      const { playerId, revokedAt } = this.revoke(event.data as Revoked);
      for (const listener of this.listeners) listener(playerId, revokedAt);
    }
  }

  private revoke({ playerId, revokedAt }: Revoked): { playerId: string; revokedAt: number } {
    const at = Math.max(Date.parse(revokedAt), this.revokedAt.get(playerId) ?? -Infinity);
    this.revokedAt.set(playerId, at);
    return { playerId, revokedAt: at };
  }
}
