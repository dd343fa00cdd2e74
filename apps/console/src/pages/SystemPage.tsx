import { useCallback, useEffect, useState } from 'react';
import { get } from '../api';
import type { PageProps } from '../App';
import { NeedsScope, ProblemMessage, Section } from '../components';

type Lagging = { position: number; lag: number };
type Status = {
  mode: string;
  eventStore: { head: number };
  readModels: { models: ({ name: string } & Lagging)[]; partitions: ({ partition: number } & Lagging)[] };
  relay: (Lagging & { holder: { owner: string; expiresAt: string } | null }) | null;
  recentErrors: {
    time: string;
    level: string;
    message: string;
    context?: string;
    correlationId?: string;
    error?: string;
  }[];
};

const REFRESH_MS = 5000;

/** Event store head, read-model lag per model and partition, relay state, recent errors. */
export function SystemPage({ can }: PageProps) {
  const [status, setStatus] = useState<Status>();
  const [error, setError] = useState<unknown>();
  const refresh = useCallback(
    () =>
      get<Status>('/v1/system/status').then((found) => {
        setStatus(found);
        setError(undefined);
      }, setError),
    [],
  );
  const allowed = can('metrics');
  useEffect(() => {
    if (!allowed) return;
    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [allowed, refresh]);

  if (!allowed) return <NeedsScope scope="metrics" what="The system status" />;
  return (
    <>
      <ProblemMessage error={error} />
      <button type="button" onClick={() => void refresh()}>
        Refresh
      </button>
      {status ? (
        <>
          <Section title="Event store">
            <p>
              Mode <strong>{status.mode}</strong>; the log's head is at position{' '}
              <strong data-testid="head">{status.eventStore.head}</strong>.
            </p>
          </Section>
          <Section title="Read models">
            <LagTable
              label="Read models"
              rows={status.readModels.models.map((m) => ({ key: m.name, ...m }))}
            />
            {status.readModels.partitions.length > 0 ? (
              <LagTable
                label="Partitions"
                rows={status.readModels.partitions.map((p) => ({ key: `partition ${p.partition}`, ...p }))}
              />
            ) : null}
          </Section>
          <Section title="Relay">
            {status.relay ? (
              <p>
                Published up to position {status.relay.position} ({status.relay.lag} behind);{' '}
                {status.relay.holder
                  ? `active: ${status.relay.holder.owner} (lease until ${status.relay.holder.expiresAt})`
                  : 'no relay holds the lease'}
                .
              </p>
            ) : (
              <p className="muted">No relay in this mode: the api follows the log itself.</p>
            )}
          </Section>
          <Section title="Recent errors">
            {status.recentErrors.length > 0 ? (
              <table aria-label="Recent errors">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Level</th>
                    <th scope="col">Message</th>
                    <th scope="col">Where</th>
                    <th scope="col">Correlation id</th>
                  </tr>
                </thead>
                <tbody>
                  {[...status.recentErrors].reverse().map((line, i) => (
                    <tr key={`${line.time}-${i}`}>
                      <td>{line.time}</td>
                      <td>{line.level}</td>
                      <td>
                        {line.message}
                        {line.error ? `: ${line.error}` : ''}
                      </td>
                      <td>{line.context}</td>
                      <td>{line.correlationId}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted">No warning or error logged recently.</p>
            )}
          </Section>
        </>
      ) : null}
    </>
  );
}

function LagTable({ label, rows }: { label: string; rows: ({ key: string } & Lagging)[] }) {
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          <th scope="col">{label === 'Partitions' ? 'Partition' : 'Read model'}</th>
          <th scope="col">Position</th>
          <th scope="col">Lag (events)</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key}>
            <td>{row.key}</td>
            <td className="number">{row.position}</td>
            <td className="number">{row.lag}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
