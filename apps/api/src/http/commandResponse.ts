import { ApiProperty } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CommandResult } from '@app/application';

export class RecordedEventDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'ItemPurchased' }) type!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: unknown;
}

export class CommandResponse {
  @ApiProperty({ example: 'playerEconomy-p1' }) streamId!: string;
  @ApiProperty({ description: "The stream's revision after the command" }) revision!: number;
  @ApiProperty({ description: 'Global position of the last event: pass as minPosition to read your write' })
  position!: number;
  @ApiProperty({ type: [RecordedEventDto] }) events!: RecordedEventDto[];
  @ApiProperty({ description: 'True for a retry of a command already applied (HTTP 200, nothing appended)' })
  replayed!: boolean;
}

/** 201 for a new command, 200 (plus Idempotent-Replayed) for a retry or a command that changed nothing. */
export async function respond(reply: FastifyReply, result: Promise<CommandResult>): Promise<CommandResponse> {
  const outcome = await result;
  if (outcome.replayed) reply.header('idempotent-replayed', 'true');
  reply.status(outcome.replayed || outcome.events.length === 0 ? 200 : 201);
  return outcome;
}
