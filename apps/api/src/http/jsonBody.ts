import type { FastifyInstance } from 'fastify';
import { Problem } from './problem';

/** Deepest nesting a request body may have: every body the api takes is at most three levels deep. */
export const MAX_BODY_DEPTH = 8;
/** Most members (object properties and array items, counted over the whole body) a body may have. */
export const MAX_BODY_MEMBERS = 256;

/**
 * Where a JSON text exceeds the limits, found in one pass over its characters without building anything
 * (no recursion, constant memory), or undefined when it is within them. Malformed JSON is left to the
 * parser that runs next.
 */
export function bodyLimitExceeded(text: string): string | undefined {
  let depth = 0;
  let members = 0;
  let inString = false;
  /** Whether the container just opened has no member yet (an empty one counts none). */
  let opened = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    switch (c) {
      case 0x22: // "
        inString = true;
        if (opened) members++;
        opened = false;
        break;
      case 0x7b: // {
      case 0x5b: // [
        if (opened) members++;
        if (++depth > MAX_BODY_DEPTH) return `nests deeper than ${MAX_BODY_DEPTH} levels`;
        opened = true;
        break;
      case 0x7d: // }
      case 0x5d: // ]
        depth--;
        opened = false;
        break;
      case 0x2c: // ,
        members++;
        break;
      case 0x20:
      case 0x09:
      case 0x0a:
      case 0x0d:
        break;
      default:
        if (opened) members++;
        opened = false;
    }
    if (members > MAX_BODY_MEMBERS) return `holds more than ${MAX_BODY_MEMBERS} members`;
  }
  return undefined;
}

/**
 * The api's only body parser: JSON, read up to the body limit, checked against the nesting and member
 * limits before it is parsed (with prototype-poisoning protection), so no body costs more than a linear
 * scan and nothing recursive ever runs over a body outside them.
 */
export function parseJsonBodies(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    const exceeded = bodyLimitExceeded(text);
    if (exceeded) {
      done(
        new Problem(400, 'body-too-complex', 'The body is too complex', `the body ${exceeded}`, {
          limits: { depth: MAX_BODY_DEPTH, members: MAX_BODY_MEMBERS },
        }),
        undefined,
      );
      return;
    }
    parse(request, text, done);
  });
}
