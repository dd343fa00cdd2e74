import { leaderboards } from '@app/domain';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsObject, IsOptional, Matches, Max, Min } from 'class-validator';
import { IsIdentifier, PageQuery, ReadQuery } from '../http/validation';

const SafeInteger = (description: string, optional = false) =>
  applyDecorators(
    (optional ? ApiPropertyOptional : ApiProperty)({ description, type: 'integer' }),
    ...(optional ? [IsOptional()] : []),
    IsInt({ message: '$property must be an integer' }),
    Min(Number.MIN_SAFE_INTEGER, { message: '$property must be a safe integer' }),
    Max(Number.MAX_SAFE_INTEGER, { message: '$property must be a safe integer' }),
  );

export class LeaderboardBody {
  @ApiProperty({ enum: leaderboards.SORT_ORDERS, description: 'desc: higher is better' })
  @IsIn(leaderboards.SORT_ORDERS)
  sortOrder!: leaderboards.SortOrder;

  @ApiProperty({ enum: leaderboards.SCORE_OPERATORS })
  @IsIn(leaderboards.SCORE_OPERATORS)
  operator!: leaderboards.ScoreOperator;

  @ApiProperty({ enum: leaderboards.RESET_SCHEDULES, description: 'UTC; weeks start Monday 00:00' })
  @IsIn(leaderboards.RESET_SCHEDULES)
  resetSchedule!: leaderboards.ResetSchedule;

  @SafeInteger('Lowest score accepted', true) minScore?: number;
  @SafeInteger('Highest score accepted', true) maxScore?: number;
}

export class ScoreBody {
  @IsIdentifier('player-42') playerId!: string;
  @SafeInteger('Score (for increment boards: the amount to add)') score!: number;
  @SafeInteger('Tie-breaker compared after score; defaults to 0', true) subscore?: number;

  @ApiPropertyOptional({
    description: 'Up to 16 flat keys of string, number or boolean, 1 KiB serialised',
    type: 'object',
    additionalProperties: true,
    example: { matchId: 'm-981', character: 'ranger' },
  })
  @IsOptional()
  @IsObject()
  metadata?: leaderboards.ScoreMetadata;
}

/** `?period=`: which period of the board; checked against the board's schedule by the query. */
const Period = () =>
  applyDecorators(
    ApiPropertyOptional({
      description: 'all | 2026-11-21 | 2026-W47 | 2026-11; defaults to the current period',
    }),
    IsOptional(),
    Matches(/^[0-9A-Za-z-]{3,10}$/, {
      message: 'period must look like all, 2026-11-21, 2026-W47 or 2026-11',
    }),
  );

export class PeriodQuery extends ReadQuery {
  @Period() period?: string;
}

export class EntriesQuery extends PageQuery {
  @Period() period?: string;
}

export class AroundQuery extends PeriodQuery {
  @ApiPropertyOptional({
    description: 'How many neighbours above and below',
    minimum: 0,
    maximum: 50,
    default: 0,
  })
  @IsOptional()
  @Matches(/^\d{1,2}$/, { message: 'around must be an integer from 0 to 50' })
  around?: string;
}

export class RankedEntryDto {
  @ApiProperty({ description: '1 is the best' }) rank!: number;
  @ApiProperty() playerId!: string;
  @ApiProperty() score!: number;
  @ApiProperty() subscore!: number;
  @ApiProperty() achievedAt!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) metadata?: leaderboards.ScoreMetadata;
}

export class EntriesResponse {
  @ApiProperty() leaderboardId!: string;
  @ApiProperty() period!: string;
  @ApiProperty({ type: [RankedEntryDto] }) entries!: RankedEntryDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class PlayerRankResponse {
  @ApiProperty() leaderboardId!: string;
  @ApiProperty() period!: string;
  @ApiProperty() rank!: number;
  @ApiProperty({ type: RankedEntryDto }) entry!: RankedEntryDto;
  @ApiProperty({ type: [RankedEntryDto], description: 'Up to `around` entries above and below' })
  neighbors!: RankedEntryDto[];
}

export class LeaderboardResponse extends LeaderboardBody {
  @ApiProperty() leaderboardId!: string;
  @ApiProperty() currentPeriod!: string;
  @ApiProperty() revision!: number;
}
