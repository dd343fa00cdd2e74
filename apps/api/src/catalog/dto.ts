import { CURRENCY_PATTERN } from '@app/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsObject, IsOptional, IsString, Length, Max, Min } from 'class-validator';

export class CatalogItemBody {
  @ApiProperty({ example: 'Health potion', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({
    description: `Unit price per accepted currency, in minor units; currency codes match ${CURRENCY_PATTERN.source}`,
    type: 'object',
    additionalProperties: { type: 'integer', minimum: 1 },
    example: { GOLD: 100, GEMS: 2 },
  })
  @IsObject()
  prices!: Record<string, number>;

  @ApiProperty({ description: 'Whether a player may hold more than one' })
  @IsBoolean()
  stackable!: boolean;

  @ApiPropertyOptional({
    description: 'Most a player may hold of a stackable item',
    minimum: 1,
    type: 'integer',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  maxStack?: number;
}

export class CatalogItemResponse extends CatalogItemBody {
  @ApiProperty() sku!: string;
  @ApiProperty() revision!: number;
}

export class CatalogPageResponse {
  @ApiProperty({ type: [CatalogItemResponse] }) items!: CatalogItemResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
