import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Problem } from './problem';

export const CONSOLE_PATH = '/console';

/**
 * What the console's files may do in a browser: load only themselves and call only this api. Its
 * pages read data the API returns and never run anything they did not ship with.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const secureHeaders = (reply: FastifyReply) => {
  reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
};

/**
 * The operator console (apps/console, built by `npm run build` into CONSOLE_DIR) at /console: static
 * files anyone may fetch. Everything it shows and does goes through the public API with the operator's
 * key, so the key's scopes hold as for any other client. Without a build, /console says how to make one.
 */
export async function serveConsole(app: NestFastifyApplication, directory: string): Promise<boolean> {
  const root = resolve(directory);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get(CONSOLE_PATH, { schema: { hide: true } }, (_request, reply) =>
    reply.redirect(`${CONSOLE_PATH}/`),
  );
  if (!existsSync(join(root, 'index.html'))) {
    fastify.get(`${CONSOLE_PATH}/*`, { schema: { hide: true } }, async () => {
      throw new Problem(404, 'not-found', 'The console is not built', 'run `npm run build` (CONSOLE_DIR)');
    });
    return false;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: `${CONSOLE_PATH}/`,
    decorateReply: false,
    schemaHide: true,
    // The hashed assets never change under their name; index.html is read again each time.
    setHeaders: (reply, path) => {
      secureHeaders(reply);
      reply.header(
        'cache-control',
        path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
      );
    },
  });
  return true;
}
