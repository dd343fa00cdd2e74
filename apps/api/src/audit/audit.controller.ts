import { InvalidRequestError } from '@app/application';
import { type ExportScope, ndjsonLines } from '@app/audit';
import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import { RequiresScope } from '../http/auth/scopes';
import { IdPipe, PageQuery, pageLimit } from '../http/validation';
import { ExportQuery, ReplayCheckQuery, StateAtQuery, VerifyQuery } from './dto';
import { CheckReadModels, ExportEvents, GetPlayerHistory, GetPlayerStateAt, VerifyEventLog } from './queries';

/**
 * Auditors' view of the log (scope `audit`): everything here is read from the event store, never from the
 * read models it checks. The CLI (`npm run audit`) runs the same functions of @app/audit.
 */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly queries: QueryBus) {}

  @Get('verification')
  @RequiresScope('audit')
  @ApiOperation({
    summary:
      'Verify the hash chains (and the anchors) of a stream, a category or, with neither, the whole log: ' +
      '`ok` with counts, or the first broken link (stream, revision, expected vs actual hash)',
  })
  verify(@Query() query: VerifyQuery) {
    if (query.stream && query.category) {
      throw invalid('category', 'give stream or category, not both');
    }
    const scope = query.stream
      ? { stream: query.stream }
      : query.category
        ? { category: query.category }
        : { log: true as const };
    return this.queries.execute(new VerifyEventLog(scope));
  }

  @Get('players/:playerId/history')
  @RequiresScope('audit')
  @ApiOperation({
    summary:
      "A player's economy stream as stored, oldest first, each event with its hash and whether it verifies " +
      'against its content and the event before it (`verified`, `legacy` or `broken`)',
  })
  history(@Param('playerId', IdPipe) playerId: string, @Query() query: PageQuery) {
    return this.queries.execute(new GetPlayerHistory(playerId, query.cursor, pageLimit(query)));
  }

  @Get('players/:playerId/state')
  @RequiresScope('audit')
  @ApiOperation({
    summary:
      "A player's wallet and inventory as of a global position or a moment, folded from the event store " +
      '(the shape GET /wallet and /inventory answer), with the hash check of the events it folded',
  })
  state(@Param('playerId', IdPipe) playerId: string, @Query() query: StateAtQuery) {
    if ((query.position === undefined) === (query.at === undefined)) {
      throw invalid('position', 'give position or at (exactly one)');
    }
    const at =
      query.position !== undefined
        ? { position: Number(query.position) }
        : { timestamp: new Date(query.at!) };
    return this.queries.execute(new GetPlayerStateAt(playerId, at));
  }

  @Get('export')
  @RequiresScope('audit')
  @ApiProduces('application/x-ndjson')
  @ApiOperation({
    summary:
      "A player's history (playerId) or every event that occurred in [from, to), as NDJSON: one stored event " +
      'envelope per line, metadata with hash and previousHash, in global order',
  })
  async export(@Query() query: ExportQuery): Promise<StreamableFile> {
    const pages = await this.queries.execute(new ExportEvents(exportScope(query)));
    const lines = (async function* () {
      for await (const page of pages) yield ndjsonLines(page);
    })();
    return new StreamableFile(Readable.from(lines), {
      type: 'application/x-ndjson',
      disposition: 'attachment; filename="events.ndjson"',
    });
  }

  @Get('replay-check')
  @RequiresScope('audit')
  @ApiOperation({
    summary:
      'Rebuild every read model from the event log in memory and compare it, document by document, with the ' +
      'read models this API serves; lists the differences (missing, unexpected, different fields)',
  })
  replayCheck(@Query() query: ReplayCheckQuery) {
    return this.queries.execute(new CheckReadModels(query.limit === undefined ? 100 : Number(query.limit)));
  }
}

const invalid = InvalidRequestError.of;

const exportScope = ({ playerId, from, to }: ExportQuery): ExportScope => {
  if (playerId !== undefined) {
    if (from !== undefined || to !== undefined)
      throw invalid('playerId', 'give playerId or from/to, not both');
    return { playerId };
  }
  if (from === undefined && to === undefined) throw invalid('playerId', 'give playerId, or both from and to');
  if (from === undefined) throw invalid('from', 'give playerId, or both from and to');
  if (to === undefined) throw invalid('to', 'give playerId, or both from and to');
  if (Date.parse(to) < Date.parse(from)) throw invalid('to', 'to must not be before from');
  return { from: new Date(from), to: new Date(to) };
};
