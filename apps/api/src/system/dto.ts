import { type Static, Type } from '@sinclair/typebox';
import { SCOPES } from '../http/auth/apiKeys';
import { Strict } from '../http/schemas';

export const ApiKeyResponse = Strict(
  {
    name: Type.String({ description: "The key's name: the actor recorded on every event it causes" }),
    scopes: Type.Array(Type.Union(SCOPES.map((scope) => Type.Literal(scope)))),
  },
  { $id: 'ApiKeyResponse' },
);
export type ApiKeyResponse = Static<typeof ApiKeyResponse>;

const Lagging = { position: Type.Integer(), lag: Type.Integer({ description: 'Events behind the head' }) };

export const SystemStatusResponse = Strict(
  {
    mode: Type.Union([Type.Literal('embedded'), Type.Literal('mongo-read-models'), Type.Literal('cluster')]),
    eventStore: Strict({ head: Type.Integer({ description: 'Position of the last event in the log' }) }),
    readModels: Strict({
      models: Type.Array(Strict({ name: Type.String(), ...Lagging })),
      partitions: Type.Array(Strict({ partition: Type.Integer(), ...Lagging }), {
        description: "Cluster mode: the projectors' checkpoint per partition of the events topic",
      }),
    }),
    relay: Type.Union(
      [
        Strict({
          ...Lagging,
          holder: Type.Union([
            Strict({ owner: Type.String(), expiresAt: Type.String({ format: 'date-time' }) }),
            Type.Null(),
          ]),
        }),
        Type.Null(),
      ],
      {
        description:
          'Cluster mode: how far the relay has published the log, and which instance holds its lease',
      },
    ),
    recentErrors: Type.Array(
      Strict({
        time: Type.String({ format: 'date-time' }),
        level: Type.Union([Type.Literal('warn'), Type.Literal('error'), Type.Literal('fatal')]),
        message: Type.String(),
        context: Type.Optional(Type.String()),
        correlationId: Type.Optional(Type.String()),
        error: Type.Optional(Type.String()),
      }),
      { description: "This api's last log lines at warn or above, oldest first" },
    ),
  },
  { $id: 'SystemStatusResponse' },
);
export type SystemStatusResponse = Static<typeof SystemStatusResponse>;
