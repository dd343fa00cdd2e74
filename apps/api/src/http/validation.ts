import { type FieldError, InvalidRequestError } from '@app/application';
import { CURRENCY_PATTERN, ID_PATTERN } from '@app/domain';
import {
  type ArgumentMetadata,
  Injectable,
  type PipeTransform,
  ValidationPipe,
  type ValidationError,
  applyDecorators,
} from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/** Every bad field of a body or query, by its dotted path, in one 400. */
export const validationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  validateCustomDecorators: false,
  exceptionFactory: (errors) => new InvalidRequestError(flatten(errors)),
});

const flatten = (errors: ValidationError[], prefix = ''): FieldError[] =>
  errors.flatMap((error) => {
    const field = `${prefix}${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], `${field}.`)];
  });

/** Path parameters that are ids (playerId, sku, leaderboardId). */
@Injectable()
export class IdPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (!ID_PATTERN.test(value)) {
      throw InvalidRequestError.of(metadata.data ?? 'id', `must match ${ID_PATTERN.source}`);
    }
    return value;
  }
}

export const IsCurrencyCode = (optional = false) =>
  applyDecorators(
    (optional ? ApiPropertyOptional : ApiProperty)({ example: 'GOLD', pattern: CURRENCY_PATTERN.source }),
    ...(optional ? [IsOptional()] : []),
    IsString(),
    Matches(CURRENCY_PATTERN, { message: `$property must match ${CURRENCY_PATTERN.source}` }),
  );

export const IsIdentifier = (example: string) =>
  applyDecorators(
    ApiProperty({ example, pattern: ID_PATTERN.source }),
    IsString(),
    Matches(ID_PATTERN, { message: `$property must match ${ID_PATTERN.source}` }),
  );

/** Minor units: whole, at least 1, exact in a double (<= 2^53-1). */
export const IsAmount = (description: string) =>
  applyDecorators(
    ApiProperty({ description, example: 100, minimum: 1, maximum: Number.MAX_SAFE_INTEGER, type: 'integer' }),
    IsInt({ message: '$property must be an integer' }),
    Min(1),
    Max(Number.MAX_SAFE_INTEGER, { message: '$property must not exceed 2^53-1' }),
  );

/** Query string: `?minPosition=` for read-after-write (checked by ReadAfterWriteGuard). */
export class ReadQuery {
  @ApiPropertyOptional({
    description: 'Wait until read models have applied this global position (max ~2 s), else 503',
  })
  @IsOptional()
  @Matches(/^\d{1,16}$/, { message: 'minPosition must be a non-negative integer' })
  minPosition?: string;
}

export class PageQuery extends ReadQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Matches(/^\d{1,3}$/, { message: 'limit must be an integer from 1 to 200' })
  limit?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,512}$/, { message: 'cursor must be a nextCursor value' })
  cursor?: string;
}

export const pageLimit = (query: PageQuery): number => {
  const limit = query.limit === undefined ? 50 : Number(query.limit);
  if (limit < 1 || limit > 200)
    throw InvalidRequestError.of('limit', 'limit must be an integer from 1 to 200');
  return limit;
};
