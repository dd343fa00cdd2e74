import { ID_PATTERN } from '@app/domain';
import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Matches } from 'class-validator';
import { Readable } from 'node:stream';
import { type ExportScope, ndjsonLines } from '@app/audit';
import { RequiresScope } from '../http/auth/scopes';
import { Problem } from '../http/problem';
import { IdPipe, PageQuery, decodeCursor, encodeCursor, pageLimit } from '../http/validation';
import { ExportEvents, GetPlayerHistory, GetPlayerStateAt } from './history';
import { CheckReadModels } from './replayCheck';
import { VerifyEventLog } from './verification';

const STREAM_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$/;
const CATEGORY_PATTERN = /^[A-Za-z0-9]{1,64}$/;
const POSITION_PATTERN = /^\d{1,16}$/;
const ISO_TIMESTAMP = { strict: true, strictSeparator: true };

export class VerifyQuery {
  @ApiPropertyOptional({ example: 'playerEconomy-p1', description: 'one stream' })
  @IsOptional()
  @IsString()
  @Matches(STREAM_PATTERN, { message: `$property must match ${STREAM_PATTERN.source}` })
  stream?: string;

  @ApiPropertyOptional({ example: 'playerEconomy', description: 'every stream named {category}-...' })
  @IsOptional()
  @IsString()
  @Matches(CATEGORY_PATTERN, { message: `$property must match ${CATEGORY_PATTERN.source}` })
  category?: string;
}

export class StateAtQuery {
  @ApiPropertyOptional({ example: '1200', description: 'a global position: every event up to it' })
  @IsOptional()
  @Matches(POSITION_PATTERN, { message: '$property must be a non-negative integer' })
  position?: string;

  @ApiPropertyOptional({
    example: '2026-11-21T10:00:00.000Z',
    description: 'a moment (ISO-8601): every event that occurred at or before it',
  })
  @IsOptional()
  @IsISO8601(ISO_TIMESTAMP, { message: '$property must be an ISO-8601 timestamp' })
  at?: string;
}

export class ExportQuery {
  @ApiPropertyOptional({ example: 'p1', description: "a player's economy stream" })
  @IsOptional()
  @Matches(ID_PATTERN, { message: `$property must match ${ID_PATTERN.source}` })
  playerId?: string;

  @ApiPropertyOptional({ description: 'every event that occurred at or after this moment (ISO-8601)' })
  @IsOptional()
  @IsISO8601(ISO_TIMESTAMP, { message: '$property must be an ISO-8601 timestamp' })
  from?: string;

  @ApiPropertyOptional({ description: '... and before this one' })
  @IsOptional()
  @IsISO8601(ISO_TIMESTAMP, { message: '$property must be an ISO-8601 timestamp' })
  to?: string;
}

export class ReplayCheckQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100, description: 'differences listed' })
  @IsOptional()
  @Matches(/^(1000|[1-9]\d{0,2})$/, { message: '$property must be an integer from 1 to 1000' })
  limit?: string;
}

const isRevisionCursor = (value: unknown): value is { r: number } =>
  Number.isSafeInteger((value as { r?: unknown } | null)?.r) && (value as { r: number }).r >= 0;

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
  async history(@Param('playerId', IdPipe) playerId: string, @Query() query: PageQuery) {
    const after = decodeCursor(query.cursor, isRevisionCursor);
    const { nextAfterRevision, ...page } = await this.queries.execute(
      new GetPlayerHistory(playerId, after?.r, pageLimit(query)),
    );
    return {
      ...page,
      nextCursor: nextAfterRevision === null ? null : encodeCursor({ r: nextAfterRevision }),
    };
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

const invalid = (field: string, message: string) => Problem.invalid([{ field, message }]);

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
