import { InvalidRequestError, withProgress } from '@app/application';
import { type AuditScope, type ExportScope, ndjsonLines } from '@app/audit';
import { Controller, Get, Header, Param, Query, StreamableFile } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { Readable } from 'node:stream';
import { Route } from '../http/route';
import {
  ExportLine,
  ExportQuery,
  HistoryQuery,
  HistoryResponse,
  PlayerParams,
  ProgressLine,
  ReplayCheckQuery,
  ReplayCheckResponse,
  StateAtQuery,
  StandingsQuery,
  StandingsResponse,
  StateAtResponse,
  VerificationResponse,
  VerifyQuery,
} from './dto';
import { PeriodParams } from '../competitions/dto';
import {
  CheckReadModels,
  ExportEvents,
  GetPeriodStandingsAt,
  GetPlayerHistory,
  GetPlayerStateAt,
  VerifyEventLog,
} from './queries';

/** Progress lines go out as they come: a proxy (nginx) must not hold them back to fill a buffer. */
const UNBUFFERED = 'x-accel-buffering';

/**
 * Auditors' view of the log (scope `audit`): everything here is read from the event store, never from the
 * read models it checks. The CLI (`npm run audit`) runs the same functions of @app/audit.
 */
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly queries: QueryBus) {}

  @Get('verification')
  @Route({
    summary:
      'Verify the hash chains (and the anchors) of a stream, a category or, with neither, the whole log: ' +
      '`ok` with counts, or the first broken link (stream, revision, expected vs actual hash)',
    tag: 'audit',
    scope: 'audit',
    querystring: VerifyQuery,
    response: VerificationResponse,
  })
  verify(@Query() query: VerifyQuery) {
    return this.queries.execute(new VerifyEventLog(auditScope(query)));
  }

  @Get('verification/progress')
  @Header(UNBUFFERED, 'no')
  @Route({
    summary:
      'The verification of GET /v1/audit/verification, as NDJSON while it runs: a `progress` line about ' +
      'every quarter second (events done, position, rate, seconds left), then the `result` (or an `error`)',
    tag: 'audit',
    scope: 'audit',
    querystring: VerifyQuery,
    response: ProgressLine(VerificationResponse),
    produces: 'application/x-ndjson',
  })
  verifyWithProgress(@Query() query: VerifyQuery): StreamableFile {
    return ndjson(
      withProgress((report) => this.queries.execute(new VerifyEventLog(auditScope(query), report))),
    );
  }

  @Get('players/:playerId/history')
  @Route({
    summary:
      "A player's economy stream as stored, oldest first, each event with its hash and whether it verifies " +
      'against its content and the event before it (`verified`, `legacy` or `broken`)',
    tag: 'audit',
    scope: 'audit',
    params: PlayerParams,
    querystring: HistoryQuery,
    response: HistoryResponse,
  })
  history(@Param('playerId') playerId: string, @Query() query: HistoryQuery) {
    return this.queries.execute(new GetPlayerHistory(playerId, query.cursor, query.limit ?? 50));
  }

  @Get('players/:playerId/state')
  @Route({
    summary:
      "A player's wallet and inventory as of a global position or a moment, folded from the event store " +
      '(the shape GET /wallet and /inventory answer), with the hash check of the events it folded',
    tag: 'audit',
    scope: 'audit',
    params: PlayerParams,
    querystring: StateAtQuery,
    response: StateAtResponse,
  })
  state(@Param('playerId') playerId: string, @Query() query: StateAtQuery) {
    const at =
      query.position !== undefined ? { position: query.position } : { timestamp: new Date(query.at!) };
    return this.queries.execute(new GetPlayerStateAt(playerId, at));
  }

  @Get('leaderboards/:leaderboardId/periods/:period/standings')
  @Route({
    summary:
      "A board's period as it stood at a global position or a moment, computed from the log alone: its " +
      "standings (a closed period's as closed or adjudicated), their hash, and whether a close's recorded hash " +
      'still matches',
    tag: 'audit',
    scope: 'audit',
    params: PeriodParams,
    querystring: StandingsQuery,
    response: StandingsResponse,
  })
  standings(
    @Param('leaderboardId') leaderboardId: string,
    @Param('period') period: string,
    @Query() query: StandingsQuery,
  ) {
    const at =
      query.position !== undefined ? { position: query.position } : { timestamp: new Date(query.at!) };
    return this.queries.execute(
      new GetPeriodStandingsAt(leaderboardId, period, at, query.adjudication, query.limit ?? 100),
    );
  }

  @Get('export')
  @Route({
    summary:
      "A player's history (playerId) or every event that occurred in [from, to), as NDJSON: one stored event " +
      'envelope per line, metadata with hash and previousHash, in global order',
    description: 'to may not be before from (a 400 naming to).',
    tag: 'audit',
    scope: 'audit',
    querystring: ExportQuery,
    response: ExportLine,
    produces: 'application/x-ndjson',
  })
  async export(@Query() query: ExportQuery): Promise<StreamableFile> {
    const pages = await this.queries.execute(new ExportEvents(exportScope(query)));
    const lines = (async function* () {
      for await (const page of pages) yield ndjsonLines(page);
    })();
    return new StreamableFile(Readable.from(lines), {
      type: NDJSON,
      disposition: 'attachment; filename="events.ndjson"',
    });
  }

  @Get('replay-check')
  @Route({
    summary:
      'Rebuild every read model from the event log in memory and compare it, document by document, with the ' +
      'read models this API serves; lists the differences (missing, unexpected, different fields)',
    tag: 'audit',
    scope: 'audit',
    querystring: ReplayCheckQuery,
    response: ReplayCheckResponse,
  })
  replayCheck(@Query() query: ReplayCheckQuery) {
    return this.queries.execute(new CheckReadModels(query.limit ?? 100));
  }

  @Get('replay-check/progress')
  @Header(UNBUFFERED, 'no')
  @Route({
    summary:
      'The replay check of GET /v1/audit/replay-check, as NDJSON while it runs: a `progress` line about ' +
      'every quarter second (the replay, then each read model compared), then the `result` (or an `error`)',
    tag: 'audit',
    scope: 'audit',
    querystring: ReplayCheckQuery,
    response: ProgressLine(ReplayCheckResponse),
    produces: 'application/x-ndjson',
  })
  replayCheckWithProgress(@Query() query: ReplayCheckQuery): StreamableFile {
    return ndjson(
      withProgress((report) => this.queries.execute(new CheckReadModels(query.limit ?? 100, report))),
    );
  }
}

const NDJSON = 'application/x-ndjson';

/** Each item as one JSON line, sent as it comes. */
const ndjson = (items: AsyncIterable<unknown>): StreamableFile =>
  new StreamableFile(
    Readable.from(
      (async function* () {
        for await (const item of items) yield `${JSON.stringify(item)}\n`;
      })(),
    ),
    { type: NDJSON },
  );

/** The schema has refused a query naming both a stream and a category. */
const auditScope = ({ stream, category }: VerifyQuery): AuditScope =>
  stream ? { stream } : category ? { category } : { log: true };

/** The schema has refused incomplete or contradictory scopes; an empty range is the last thing to refuse. */
const exportScope = ({ playerId, from, to }: ExportQuery): ExportScope => {
  if (playerId !== undefined) return { playerId };
  if (Date.parse(to!) < Date.parse(from!)) throw InvalidRequestError.of('to', 'to must not be before from');
  return { from: new Date(from!), to: new Date(to!) };
};
