import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Problem } from '../problem';
import { type ApiKey, type Scope, authenticate } from './apiKeys';

export const API_KEYS = Symbol('API_KEYS');
const SCOPE_KEY = 'requiredScope';
const PUBLIC_KEY = 'publicRoute';

/** The scope a route needs. */
export const RequiresScope = (scope: Scope) => SetMetadata(SCOPE_KEY, scope);
/** A route anyone may call (health, docs). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

type AuthenticatedRequest = FastifyRequest & { apiKey?: ApiKey };

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(API_KEYS) private readonly keys: readonly ApiKey[],
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const token = typeof header === 'string' && /^Bearer \S+$/i.test(header) ? header.slice(7) : undefined;
    const key = token === undefined ? undefined : authenticate(this.keys, token);
    if (!key)
      throw new Problem(
        401,
        'unauthorized',
        'Authentication required',
        'send Authorization: Bearer <api key>',
      );
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(SCOPE_KEY, targets);
    if (scope === undefined || !key.scopes.has(scope)) {
      throw new Problem(
        403,
        'forbidden',
        'Not allowed',
        `this operation needs the ${scope ?? 'unknown'} scope`,
      );
    }
    request.apiKey = key;
    return true;
  }
}

/** Name of the API key that made the request: the actor recorded on every event. */
export const Actor = createParamDecorator(
  (_: unknown, context: ExecutionContext): string =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().apiKey?.name ?? 'anonymous',
);
