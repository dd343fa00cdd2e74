import { type FormEvent, useState } from 'react';
import { command, get, query, segment } from '../api';
import type { PageProps } from '../App';
import { ActionForm, Field, NeedsScope, ProblemMessage, Section, text, useList } from '../components';

type Schedule =
  | string
  | { type: 'every'; count: number; unit: string; anchor: string }
  | { type: 'window'; start: string; end: string };
type Amounts = Record<string, number>;
type RewardTier = { fromRank: number; toRank: number; currencies?: Amounts; items?: Amounts };
type Board = {
  leaderboardId: string;
  sortOrder: string;
  operator: string;
  resetSchedule: Schedule;
  minScore?: number;
  maxScore?: number;
  rewards?: RewardTier[];
  tournament?: {
    joinOpensAt?: string;
    joinClosesAt: string;
    maxParticipants: number;
    entryFee?: { currency: string; amount: number } | { sku: string; quantity: number };
  };
  participants?: { joined: number; joining: number };
  currentPeriod: string | null;
  currentPeriodEndsAt: string | null;
};
type Entry = { rank: number; playerId: string; score: number; subscore: number; achievedAt: string };
type Period = {
  status: 'scheduled' | 'closed';
  startsAt: string;
  endsAt: string;
  close?: { cut: number; closedAt: string };
  adjudications: { adjudication: number; excluded: string[]; entries: number; standingsHash: string }[];
  exclusions: { playerId: string; reason: string }[];
  rewardsPaidThrough: number;
};

const describeSchedule = (schedule: Schedule): string =>
  typeof schedule === 'string'
    ? schedule
    : schedule.type === 'every'
      ? `every ${schedule.count} ${schedule.unit} from ${schedule.anchor}`
      : `${schedule.start} → ${schedule.end}`;

const describeAmounts = (amounts: Amounts = {}): string[] =>
  Object.entries(amounts).map(([name, amount]) => `${name}=${amount}`);

/** Definitions, top N, around a player, any period, closed periods and their rewards, tournaments. */
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
                  <td>{describeSchedule(board.resetSchedule)}</td>
                  <td>
                    {board.minScore ?? '−∞'} … {board.maxScore ?? '∞'}
                  </td>
                  <td>{board.currentPeriod ?? 'none now'}</td>
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
        <BoardView key={selected} board={boards.find((b) => b.leaderboardId === selected)!} can={can} />
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

function BoardView({ board, can }: { board: Board } & Pick<PageProps, 'can'>) {
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
        <Field label="Period" name="period" defaultValue={board.currentPeriod ?? ''} required={false} />
        <button type="submit">Show top</button>
      </form>
      <form onSubmit={showAround} className="inline" aria-label="Around a player">
        <Field label="Player id" name="playerId" />
        <Field label="Neighbours" name="around" type="number" defaultValue="5" />
        <Field label="Period" name="period" defaultValue={board.currentPeriod ?? ''} required={false} />
        <button type="submit">Show around player</button>
      </form>
      <ProblemMessage error={error} />
      {top ? <EntriesTable label="Top entries" entries={top} /> : null}
      {around ? <EntriesTable label="Around the player" entries={around} /> : null}
      {board.tournament ? <TournamentRules board={board} /> : null}
      {board.rewards?.length ? <RewardTable rewards={board.rewards} /> : null}
      <PeriodView base={base} defaultPeriod={board.currentPeriod ?? ''} can={can} />
    </Section>
  );
}

function TournamentRules({ board }: { board: Board }) {
  const { tournament, participants } = board;
  const fee = tournament?.entryFee;
  return (
    <dl aria-label="Tournament">
      <dt>Joining</dt>
      <dd>
        {tournament?.joinOpensAt ?? 'open'} → {tournament?.joinClosesAt}
      </dd>
      <dt>Players</dt>
      <dd>
        {participants?.joined ?? 0} joined, {participants?.joining ?? 0} joining, at most{' '}
        {tournament?.maxParticipants}
      </dd>
      <dt>Entry fee</dt>
      <dd>
        {!fee ? 'none' : 'currency' in fee ? `${fee.currency}=${fee.amount}` : `${fee.sku}×${fee.quantity}`}
      </dd>
    </dl>
  );
}

function RewardTable({ rewards }: { rewards: RewardTier[] }) {
  return (
    <table aria-label="Rewards">
      <thead>
        <tr>
          <th scope="col">Ranks</th>
          <th scope="col">Currencies</th>
          <th scope="col">Items</th>
        </tr>
      </thead>
      <tbody>
        {rewards.map((tier) => (
          <tr key={tier.fromRank}>
            <td>
              {tier.fromRank}–{tier.toRank}
            </td>
            <td>{describeAmounts(tier.currencies).join(', ')}</td>
            <td>{describeAmounts(tier.items).join(', ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A period's close: its standings as closed and as re-adjudicated, payouts, and excluding a player. */
function PeriodView({
  base,
  defaultPeriod,
  can,
}: { base: string; defaultPeriod: string } & Pick<PageProps, 'can'>) {
  const [period, setPeriod] = useState<{ id: string; view: Period }>();
  const [error, setError] = useState<unknown>();
  const show = (id: string, minPosition?: number) =>
    get<Period>(`${base}/periods/${segment(id)}${query({ minPosition })}`).then((view) => {
      setPeriod({ id, view });
      setError(undefined);
    }, setError);
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void show(text(new FormData(event.currentTarget), 'period'));
  };
  const view = period?.view;
  return (
    <>
      <form onSubmit={onSubmit} className="inline" aria-label="A period">
        <Field label="Period" name="period" defaultValue={defaultPeriod} />
        <button type="submit">Show period</button>
      </form>
      <ProblemMessage error={error} />
      {period && view ? (
        <>
          <p data-testid="period-status">
            {view.status === 'closed'
              ? `Closed at ${view.close?.closedAt} (standings up to position ${view.close?.cut}); rewards paid through adjudication ${view.rewardsPaidThrough}.`
              : `Scheduled: ${view.startsAt} → ${view.endsAt}.`}
          </p>
          {view.adjudications.length > 0 ? (
            <table aria-label="Standings as adjudicated">
              <thead>
                <tr>
                  <th scope="col">Adjudication</th>
                  <th scope="col">Without</th>
                  <th scope="col">Players</th>
                  <th scope="col">Standings hash</th>
                </tr>
              </thead>
              <tbody>
                {view.adjudications.map((adjudication) => (
                  <tr key={adjudication.adjudication}>
                    <td className="number">{adjudication.adjudication}</td>
                    <td>{adjudication.excluded.join(', ')}</td>
                    <td className="number">{adjudication.entries}</td>
                    <td>
                      <code>{adjudication.standingsHash}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {view.exclusions.length > 0 ? (
            <ul aria-label="Exclusions">
              {view.exclusions.map(({ playerId, reason }) => (
                <li key={playerId}>
                  {playerId}: {reason}
                </li>
              ))}
            </ul>
          ) : null}
          {view.status === 'closed' && can('admin') ? (
            <ActionForm
              label="Exclude a player"
              submit={async (form) => {
                const result = await command('POST', `${base}/periods/${segment(period.id)}/exclusions`, {
                  playerId: text(form, 'playerId'),
                  reason: text(form, 'reason'),
                });
                await show(period.id, result.position);
                return result.replayed
                  ? 'Nothing changed.'
                  : 'Excluded: the period is adjudicated again and rewards settled.';
              }}
            >
              <Field label="Player id" name="playerId" />
              <Field label="Reason" name="reason" />
            </ActionForm>
          ) : null}
        </>
      ) : null}
    </>
  );
}
