import { ID_PATTERN } from '@app/domain';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Matches } from 'class-validator';

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
