/**
 * The console's only way to the backend: the public HTTP API, with the operator's API key. The key lives
 * in this tab's session storage (gone when the tab closes) and travels only in the Authorization header,
 * never in a URL.
 */
const KEY_STORAGE = 'console.apiKey';

export type Scope = 'admin' | 'economy' | 'scores' | 'read' | 'audit' | 'metrics' | 'sessions';
export type Session = { name: string; scopes: Scope[] };

/** An RFC 9457 problem the API answered with. */
export type Problem = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { field: string; message: string }[];
};

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

export const storedKey = (): string | null => sessionStorage.getItem(KEY_STORAGE);
export const forgetKey = (): void => sessionStorage.removeItem(KEY_STORAGE);

const headers = (key: string | null, extra: Record<string, string> = {}): Record<string, string> => ({
  ...(key ? { authorization: `Bearer ${key}` } : {}),
  ...extra,
});

async function failure(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const problem = JSON.parse(text) as Problem;
    if (problem && typeof problem.title === 'string') return new ApiError(problem);
  } catch {
    // not a problem document: described below
  }
  return new ApiError({
    type: 'about:blank',
    title: response.statusText || 'Request failed',
    status: response.status,
  });
}

async function call<T>(method: string, path: string, body?: unknown, key = storedKey()): Promise<T> {
  const extra: Record<string, string> = {};
  if (body !== undefined) {
    extra['content-type'] = 'application/json';
    // One key per submission: the API applies a command once, whatever the network does.
    extra['idempotency-key'] = crypto.randomUUID();
  }
  const response = await fetch(path, {
    method,
    headers: headers(key, extra),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

/** Checks a key and keeps it for this tab. */
export async function signIn(key: string): Promise<Session> {
  const session = await call<Session>('GET', '/v1/api-key', undefined, key);
  sessionStorage.setItem(KEY_STORAGE, key);
  return session;
}

export const get = <T>(path: string): Promise<T> => call<T>('GET', path);

/** Every item of a keyset-paginated list (`field` names the page's array), reading the read models at `minPosition`. */
export async function getAll<Item>(path: string, field: string, minPosition?: number): Promise<Item[]> {
  const all: Item[] = [];
  let cursor: string | undefined;
  do {
    const page = await get<Record<string, Item[]> & { nextCursor: string | null }>(
      `${path}${query({ limit: 200, cursor, minPosition })}`,
    );
    all.push(...page[field]);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

/** What every command answers: pass `position` as minPosition to read the write back. */
export type CommandResult = { streamId: string; revision: number; position: number; replayed: boolean };

export const command = (method: 'POST' | 'PUT', path: string, body: unknown): Promise<CommandResult> =>
  call<CommandResult>(method, path, body);

/** A path segment from user input. */
export const segment = (value: string): string => encodeURIComponent(value.trim());

/** `?name=value&...` of the values that are set. */
export const query = (params: Record<string, string | number | undefined>): string => {
  const set = Object.entries(params).filter(([, value]) => value !== undefined && value !== '');
  return set.length === 0 ? '' : `?${new URLSearchParams(set.map(([k, v]) => [k, String(v)])).toString()}`;
};

/** Progress of a long run, as the API streams it. */
export type Progress = {
  phase: string;
  done: number;
  unit: 'events' | 'documents';
  position?: number;
  until?: number;
  rate: number;
  secondsLeft?: number;
};

/** Reads an NDJSON progress stream: calls `onProgress` for each progress line and resolves with the result. */
export async function runWithProgress<Result>(
  path: string,
  onProgress: (progress: Progress) => void,
): Promise<Result> {
  const response = await fetch(path, { headers: headers(storedKey()) });
  if (!response.ok || !response.body) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffered.slice(0, newline)) as
        { progress: Progress } | { result: Result } | { error: { title: string; detail: string } };
      buffered = buffered.slice(newline + 1);
      if ('progress' in line) onProgress(line.progress);
      else if ('result' in line) return line.result;
      else throw new ApiError({ type: 'about:blank', status: 500, ...line.error });
    }
  }
  throw new ApiError({ type: 'about:blank', title: 'The run ended without a result', status: 502 });
}
