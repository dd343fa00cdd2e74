import { type FormEvent, useState } from 'react';
import { command, get, query, segment } from '../api';
import type { PageProps } from '../App';
import { ActionForm, Field, NeedsScope, ProblemMessage, Section, text, useList } from '../components';

type Board = {
  leaderboardId: string;
  sortOrder: string;
  operator: string;
  resetSchedule: string;
  minScore?: number;
  maxScore?: number;
  currentPeriod: string;
};
type Entry = { rank: number; playerId: string; score: number; subscore: number; achievedAt: string };

/** Definitions, top N, around a player, any period. */
export function LeaderboardsPage({ can }: PageProps) {
  const { items: boards, error, load } = useList<Board>('/v1/leaderboards', 'leaderboards');
  const [selected, setSelected] = useState<string>();

  return (
    <>
      <Section title="Definitions">
        <ProblemMessage error={error} />
        {boards.length > 0 ? (
          <table aria-label="Leaderboards">
            <thead>
              <tr>
                <th scope="col">Board</th>
                <th scope="col">Order</th>
                <th scope="col">Operator</th>
                <th scope="col">Resets</th>
                <th scope="col">Bounds</th>
                <th scope="col">Current period</th>
                <th scope="col">
                  <span className="visually-hidden">Open</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {boards.map((board) => (
                <tr key={board.leaderboardId}>
                  <td>{board.leaderboardId}</td>
                  <td>{board.sortOrder}</td>
                  <td>{board.operator}</td>
                  <td>{board.resetSchedule}</td>
                  <td>
                    {board.minScore ?? '−∞'} … {board.maxScore ?? '∞'}
                  </td>
                  <td>{board.currentPeriod}</td>
                  <td>
                    <button type="button" onClick={() => setSelected(board.leaderboardId)}>
                      Open {board.leaderboardId}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">No leaderboards.</p>
        )}
        {can('admin') ? (
          <ActionForm
            label="Define a leaderboard"
            submit={async (form) => {
              const bound = (name: string) => (text(form, name) === '' ? undefined : Number(form.get(name)));
              const result = await command('PUT', `/v1/leaderboards/${segment(text(form, 'id'))}`, {
                sortOrder: form.get('sortOrder'),
                operator: form.get('operator'),
                resetSchedule: form.get('resetSchedule'),
                minScore: bound('minScore'),
                maxScore: bound('maxScore'),
              });
              await load(result.position);
              return result.replayed ? 'Nothing changed.' : `Saved at position ${result.position}.`;
            }}
          >
            <Field label="Board id" name="id" />
            <label>
              <span>Order</span>
              <select name="sortOrder" defaultValue="desc">
                <option value="desc">Higher is better</option>
                <option value="asc">Lower is better</option>
              </select>
            </label>
            <label>
              <span>Operator</span>
              <select name="operator" defaultValue="best">
                <option value="best">best</option>
                <option value="latest">latest</option>
                <option value="increment">increment</option>
              </select>
            </label>
            <label>
              <span>Resets</span>
              <select name="resetSchedule" defaultValue="never">
                <option value="never">never</option>
                <option value="daily">daily</option>
                <option value="weekly">weekly</option>
                <option value="monthly">monthly</option>
              </select>
            </label>
            <Field label="Lowest score (optional)" name="minScore" type="number" required={false} />
            <Field label="Highest score (optional)" name="maxScore" type="number" required={false} />
          </ActionForm>
        ) : (
          <NeedsScope scope="admin" what="Defining leaderboards" />
        )}
      </Section>
      {selected ? (
        <BoardView key={selected} board={boards.find((b) => b.leaderboardId === selected)!} />
      ) : null}
    </>
  );
}

function EntriesTable({ label, entries }: { label: string; entries: Entry[] }) {
  if (entries.length === 0) return <p className="muted">No entries.</p>;
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Rank</th>
          <th scope="col">Player</th>
          <th scope="col">Score</th>
          <th scope="col">Subscore</th>
          <th scope="col">Achieved</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.playerId}>
            <td className="number">{entry.rank}</td>
            <td>{entry.playerId}</td>
            <td className="number">{entry.score}</td>
            <td className="number">{entry.subscore}</td>
            <td>{entry.achievedAt}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function BoardView({ board }: { board: Board }) {
  const base = `/v1/leaderboards/${segment(board.leaderboardId)}`;
  const [top, setTop] = useState<Entry[]>();
  const [around, setAround] = useState<Entry[]>();
  const [error, setError] = useState<unknown>();

  const showTop = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    get<{ entries: Entry[] }>(
      `${base}/entries${query({ limit: text(form, 'limit'), period: text(form, 'period') })}`,
    ).then((page) => {
      setTop(page.entries);
      setError(undefined);
    }, setError);
  };
  const showAround = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    get<{ entry: Entry; neighbors: Entry[] }>(
      `${base}/players/${segment(text(form, 'playerId'))}${query({ around: text(form, 'around'), period: text(form, 'period') })}`,
    ).then((found) => {
      setAround([...found.neighbors, found.entry].sort((a, b) => a.rank - b.rank));
      setError(undefined);
    }, setError);
  };
  return (
    <Section title={`Board ${board.leaderboardId}`}>
      <form onSubmit={showTop} className="inline" aria-label="Top entries">
        <Field label="Top N" name="limit" type="number" defaultValue="10" />
        <Field label="Period" name="period" defaultValue={board.currentPeriod} required={false} />
        <button type="submit">Show top</button>
      </form>
      <form onSubmit={showAround} className="inline" aria-label="Around a player">
        <Field label="Player id" name="playerId" />
        <Field label="Neighbours" name="around" type="number" defaultValue="5" />
        <Field label="Period" name="period" defaultValue={board.currentPeriod} required={false} />
        <button type="submit">Show around player</button>
      </form>
      <ProblemMessage error={error} />
      {top ? <EntriesTable label="Top entries" entries={top} /> : null}
      {around ? <EntriesTable label="Around the player" entries={around} /> : null}
    </Section>
  );
}
