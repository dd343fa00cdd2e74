import { type FormEvent, useState } from 'react';
import { type Progress, query, runWithProgress } from '../api';
import type { PageProps } from '../App';
import { NeedsScope, ProblemMessage, ProgressReport, Section } from '../components';

type Broken = {
  kind: string;
  streamId: string;
  revision: number;
  expected: string;
  actual: string;
  detail: string;
};
type Verification = {
  ok: boolean;
  events: number;
  streams: number;
  chained: number;
  legacy: number;
  anchors: number;
  broken?: Broken;
};
type ReplayCheck = {
  ok: boolean;
  position: number;
  events: number;
  documents: Record<string, number>;
  differenceCount: number;
  differences: { collection: string; id: string; kind: string; fields?: string[] }[];
  unsettled: { collection: string; id: string }[];
  liveBehind?: true;
  seconds: number;
};

/** Runs a long audit through its progress stream, showing how far it has got. */
function useRun<Result>() {
  const [progress, setProgress] = useState<Progress>();
  const [result, setResult] = useState<Result>();
  const [error, setError] = useState<unknown>();
  const [running, setRunning] = useState(false);
  const run = async (path: string) => {
    setRunning(true);
    setProgress(undefined);
    setResult(undefined);
    setError(undefined);
    try {
      setResult(await runWithProgress<Result>(path, setProgress));
    } catch (failure) {
      setError(failure);
    } finally {
      setRunning(false);
    }
  };
  return { progress, result, error, running, run };
}

/** Verify the log (whole, a stream, a category) and the replay check, with progress while they run. */
export function AuditPage({ can }: PageProps) {
  if (!can('audit')) return <NeedsScope scope="audit" what="Verifying the log and the replay check" />;
  return (
    <>
      <Verify />
      <ReplayCheckRun />
    </>
  );
}

function Verify() {
  const verification = useRun<Verification>();
  const [scope, setScope] = useState<'log' | 'stream' | 'category'>('log');
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget).get('value') ?? '').trim();
    void verification.run(
      `/v1/audit/verification/progress${scope === 'log' ? '' : query({ [scope]: value })}`,
    );
  };
  const { result } = verification;
  return (
    <Section title="Verify the hash chains">
      <form onSubmit={submit} aria-label="Verify">
        <fieldset disabled={verification.running}>
          <legend>What to verify</legend>
          {(['log', 'stream', 'category'] as const).map((each) => (
            <label key={each} className="check">
              <input
                type="radio"
                name="scope"
                value={each}
                checked={scope === each}
                onChange={() => setScope(each)}
              />
              <span>
                {each === 'log' ? 'The whole log' : each === 'stream' ? 'One stream' : 'A category'}
              </span>
            </label>
          ))}
          {scope !== 'log' ? (
            <label>
              <span>{scope === 'stream' ? 'Stream (playerEconomy-p1)' : 'Category (playerEconomy)'}</span>
              <input name="value" required />
            </label>
          ) : null}
          <button type="submit">Verify</button>
        </fieldset>
      </form>
      <ProgressReport progress={verification.running ? verification.progress : undefined} />
      <ProblemMessage error={verification.error} />
      {result ? (
        <div role="status" className={result.ok ? 'ok' : 'broken'}>
          {result.ok ? (
            <p>
              Verified: {result.events} events in {result.streams} streams ({result.chained} chained,{' '}
              {result.legacy} legacy), {result.anchors} anchors checked.
            </p>
          ) : (
            <p>
              BROKEN ({result.broken!.kind}) at {result.broken!.streamId} revision {result.broken!.revision}:{' '}
              {result.broken!.detail}
            </p>
          )}
        </div>
      ) : null}
    </Section>
  );
}

function ReplayCheckRun() {
  const check = useRun<ReplayCheck>();
  const { result } = check;
  return (
    <Section title="Replay check">
      <p className="muted">
        Rebuilds every read model from the log and compares it, document by document, with what the API
        serves.
      </p>
      <button
        type="button"
        disabled={check.running}
        onClick={() => void check.run('/v1/audit/replay-check/progress')}
      >
        Run the replay check
      </button>
      <ProgressReport progress={check.running ? check.progress : undefined} />
      <ProblemMessage error={check.error} />
      {result ? (
        <div role="status" className={result.ok ? 'ok' : 'broken'}>
          <p>
            {result.liveBehind
              ? `Not checked: the read models did not reach position ${result.position}.`
              : result.ok
                ? `No difference: ${result.events} events replayed to position ${result.position} in ${result.seconds.toFixed(1)} s.`
                : `${result.differenceCount} differences, ${result.unsettled.length} unsettled.`}
          </p>
          {result.differences.length > 0 ? (
            <ul>
              {result.differences.map((difference) => (
                <li key={`${difference.collection}/${difference.id}`}>
                  {difference.kind} {difference.collection}/{difference.id}
                  {difference.fields ? ` (${difference.fields.join(', ')})` : ''}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </Section>
  );
}
