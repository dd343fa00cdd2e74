import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Max, Min, ValidateNested } from 'class-validator';
import { IsAmount, IsCurrencyCode, IsIdentifier } from '../http/validation';

export class CurrencyChangeBody {
  @IsCurrencyCode() currency!: string;
  @IsAmount('Minor units') amount!: number;

  @ApiProperty({ example: 'daily-login-reward', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  reason!: string;
}

export class PriceBody {
  @IsCurrencyCode() currency!: string;
  @IsAmount('Unit price in minor units') amount!: number;
}

/** Some quantity of one catalog item: what a consumption names. */
export class ConsumptionBody {
  @IsIdentifier('health-potion') sku!: string;

  @ApiProperty({ minimum: 1, example: 1, type: 'integer' })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  quantity!: number;
}

export class PurchaseBody extends ConsumptionBody {
  @IsCurrencyCode(true)
  currency?: string;

  @ApiPropertyOptional({
    type: PriceBody,
    description: 'The unit price the player saw; a different price is a 409',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => PriceBody)
  expectedPrice?: PriceBody;
}

export class WalletResponse {
  @ApiProperty() playerId!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { GOLD: 150 } })
  balances!: Record<string, number>;
  @ApiProperty({ description: 'Economy stream revision the view reflects (-1: no activity yet)' })
  revision!: number;
}

export class InventoryItem {
  @ApiProperty() sku!: string;
  @ApiProperty() quantity!: number;
}

export class InventoryResponse {
  @ApiProperty() playerId!: string;
  @ApiProperty({ type: [InventoryItem] }) items!: InventoryItem[];
  @ApiProperty() revision!: number;
}

export class LedgerChangeDto {
  @ApiPropertyOptional() currency?: string;
  @ApiPropertyOptional() sku?: string;
  @ApiProperty({ description: 'Signed change' }) delta!: number;
  @ApiPropertyOptional() balanceAfter?: number;
  @ApiPropertyOptional() quantityAfter?: number;
}

export class LedgerEntryDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty() revision!: number;
  @ApiProperty() position!: number;
  @ApiProperty() type!: string;
  @ApiProperty() occurredAt!: string;
  @ApiPropertyOptional() reason?: string;
  @ApiProperty({ type: [LedgerChangeDto] }) changes!: LedgerChangeDto[];
}

export class LedgerResponse {
  @ApiProperty() playerId!: string;
  @ApiProperty({ type: [LedgerEntryDto] }) entries!: LedgerEntryDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
