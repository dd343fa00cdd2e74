import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { RequiresScope } from '../http/auth/scopes';
import { Problem } from '../http/problem';
import { VerifyEventLog } from './verification';

const STREAM_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$/;
const CATEGORY_PATTERN = /^[A-Za-z0-9]{1,64}$/;

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
      throw Problem.invalid([{ field: 'category', message: 'give stream or category, not both' }]);
    }
    const scope = query.stream
      ? { stream: query.stream }
      : query.category
        ? { category: query.category }
        : { log: true as const };
    return this.queries.execute(new VerifyEventLog(scope));
  }
}
