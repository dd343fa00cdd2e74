import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { command, get, query, segment } from '../api';
import type { PageProps } from '../App';
import { ActionForm, Field, NeedsScope, ProblemMessage, Section, text, wholeNumber } from '../components';

type Wallet = { playerId: string; balances: Record<string, number>; revision: number };
type Inventory = { playerId: string; items: { sku: string; quantity: number }[]; revision: number };
type Change = {
  currency?: string;
  sku?: string;
  delta: number;
  balanceAfter?: number;
  quantityAfter?: number;
};
type LedgerPage = {
  entries: {
    eventId: string;
    revision: number;
    type: string;
    occurredAt: string;
    reason?: string;
    changes: Change[];
  }[];
  nextCursor: string | null;
};
type HistoryPage = {
  events: {
    id: string;
    revision: number;
    position: number;
    type: string;
    occurredAt: string;
    data: Record<string, unknown>;
    metadata: { actor?: string; hash?: string };
    verification: { status: 'verified' | 'legacy' | 'broken' };
  }[];
  nextCursor: string | null;
};
type StateAt = {
  position: number;
  occurredAt: string | null;
  wallet: Wallet;
  inventory: Inventory;
  verification: { ok: boolean };
};

const PAGE_SIZE = 20;

/** Look a player up: wallet, inventory, ledger, history with verification, state at a moment, corrections. */
export function PlayerPage({ can }: PageProps) {
  const [playerId, setPlayerId] = useState(() =>
    decodeURIComponent(window.location.hash.split('/')[2] ?? ''),
  );
  const find = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const id = String(new FormData(event.currentTarget).get('playerId') ?? '').trim();
    window.location.hash = `#/player/${encodeURIComponent(id)}`;
    setPlayerId(id);
  };
  return (
    <>
      <form role="search" aria-label="Find a player" onSubmit={find} className="inline">
        <label>
          <span>Player id</span>
          <input name="playerId" defaultValue={playerId} required />
        </label>
        <button type="submit">Find player</button>
      </form>
      {playerId ? <Player key={playerId} playerId={playerId} can={can} /> : null}
    </>
  );
}

function Player({ playerId, can }: { playerId: string } & PageProps) {
  const base = `/v1/players/${segment(playerId)}`;
  const [wallet, setWallet] = useState<Wallet>();
  const [inventory, setInventory] = useState<Inventory>();
  const [error, setError] = useState<unknown>();
  /** Bumped after a correction: the ledger and balances reload at the position it returned. */
  const [seen, setSeen] = useState<number>();

  const load = useCallback(
    (minPosition?: number) => {
      const at = query({ minPosition });
      Promise.all([get<Wallet>(`${base}/wallet${at}`), get<Inventory>(`${base}/inventory${at}`)]).then(
        ([w, i]) => {
          setWallet(w);
          setInventory(i);
          setError(undefined);
        },
        setError,
      );
    },
    [base],
  );
  useEffect(() => load(seen), [load, seen]);

  const corrected = (position: number, what: string) => {
    setSeen(position);
    return `${what} recorded at position ${position}.`;
  };

  return (
    <>
      <ProblemMessage error={error} />
      <div className="columns">
        <Section title="Wallet">
          {wallet && Object.keys(wallet.balances).length > 0 ? (
            <table>
              <thead>
                <tr>
                  <th scope="col">Currency</th>
                  <th scope="col">Balance</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(wallet.balances).map(([currency, balance]) => (
                  <tr key={currency}>
                    <td>{currency}</td>
                    <td className="number">{balance.toLocaleString('en')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">No balance.</p>
          )}
        </Section>
        <Section title="Inventory">
          {inventory && inventory.items.length > 0 ? (
            <table>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col">Quantity</th>
                </tr>
              </thead>
              <tbody>
                {inventory.items.map(({ sku, quantity }) => (
                  <tr key={sku}>
                    <td>{sku}</td>
                    <td className="number">{quantity}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">No items.</p>
          )}
        </Section>
      </div>

      <Section title="Corrections">
        {can('economy') ? (
          <div className="columns">
            <ActionForm
              label="Grant or spend currency"
              submit={async (form) => {
                const kind = form.get('kind') === 'spend' ? 'spends' : 'grants';
                const result = await command('POST', `${base}/${kind}`, {
                  currency: text(form, 'currency'),
                  amount: wholeNumber(form, 'amount'),
                  reason: String(form.get('reason') ?? ''),
                });
                return corrected(result.position, kind === 'grants' ? 'Grant' : 'Spend');
              }}
            >
              <label>
                <span>Operation</span>
                <select name="kind" defaultValue="grant">
                  <option value="grant">Grant</option>
                  <option value="spend">Spend</option>
                </select>
              </label>
              <Field label="Currency" name="currency" placeholder="GOLD" />
              <Field label="Amount" name="amount" type="number" />
              <Field label="Reason" name="reason" placeholder="why, for the ledger" />
            </ActionForm>
            <ActionForm
              label="Consume items"
              submit={async (form) => {
                const result = await command('POST', `${base}/consumptions`, {
                  sku: text(form, 'sku'),
                  quantity: wholeNumber(form, 'quantity'),
                  reason: String(form.get('reason') ?? ''),
                });
                return corrected(result.position, 'Consumption');
              }}
            >
              <Field label="Item (sku)" name="sku" />
              <Field label="Quantity" name="quantity" type="number" />
              <Field label="Reason" name="reason" placeholder="why, for the ledger" />
            </ActionForm>
          </div>
        ) : (
          <NeedsScope scope="economy" what="Granting, spending and consuming" />
        )}
      </Section>

      <Ledger base={base} minPosition={seen} />
      {can('audit') ? (
        <>
          <History playerId={playerId} refresh={seen} />
          <StateAtMoment playerId={playerId} />
        </>
      ) : (
        <NeedsScope scope="audit" what="The verified history and the state at a moment" />
      )}
    </>
  );
}

/** Pages forward through a keyset-paginated list; `reset` starts again from the first page. */
function usePages<Page extends { nextCursor: string | null }>(load: (cursor?: string) => Promise<Page>) {
  const [pages, setPages] = useState<{ page: Page; cursor?: string }[]>([]);
  const [error, setError] = useState<unknown>();
  const open = useCallback(
    (cursor?: string, previous: { page: Page; cursor?: string }[] = []) =>
      load(cursor).then((page) => {
        setPages([...previous, { page, cursor }]);
        setError(undefined);
      }, setError),
    [load],
  );
  useEffect(() => {
    void open();
  }, [open]);
  const current = pages.at(-1)?.page;
  return {
    current,
    error,
    number: pages.length,
    next: current?.nextCursor ? () => open(current.nextCursor!, pages) : undefined,
    previous: pages.length > 1 ? () => setPages(pages.slice(0, -1)) : undefined,
  };
}

function Pager({ number, next, previous }: { number: number; next?: () => void; previous?: () => void }) {
  return (
    <div className="pager">
      <button type="button" onClick={previous} disabled={!previous}>
        Previous page
      </button>
      <span>Page {number}</span>
      <button type="button" onClick={next} disabled={!next}>
        Next page
      </button>
    </div>
  );
}

const describe = (change: Change) =>
  change.currency !== undefined
    ? `${change.delta > 0 ? '+' : ''}${change.delta} ${change.currency} (then ${change.balanceAfter})`
    : `${change.delta > 0 ? '+' : ''}${change.delta} ${change.sku} (then ${change.quantityAfter})`;

function Ledger({ base, minPosition }: { base: string; minPosition?: number }) {
  const load = useCallback(
    (cursor?: string) => get<LedgerPage>(`${base}/ledger${query({ limit: PAGE_SIZE, cursor, minPosition })}`),
    [base, minPosition],
  );
  const pages = usePages(load);
  return (
    <Section title="Ledger">
      <ProblemMessage error={pages.error} />
      {pages.current && pages.current.entries.length > 0 ? (
        <table aria-label="Ledger">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Reason</th>
              <th scope="col">Changes</th>
            </tr>
          </thead>
          <tbody>
            {pages.current.entries.map((entry) => (
              <tr key={entry.eventId}>
                <td className="number">{entry.revision}</td>
                <td>{entry.occurredAt}</td>
                <td>{entry.type}</td>
                <td>{entry.reason}</td>
                <td>{entry.changes.map(describe).join('; ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No ledger entries.</p>
      )}
      <Pager {...pages} />
    </Section>
  );
}

function History({ playerId, refresh }: { playerId: string; refresh?: number }) {
  const load = useCallback(
    (cursor?: string) =>
      get<HistoryPage>(
        `/v1/audit/players/${segment(playerId)}/history${query({ limit: PAGE_SIZE, cursor })}`,
      ),
    // A correction adds to the history: read it again.
    [playerId, refresh],
  );
  const pages = usePages(load);
  return (
    <Section title="History (from the event store, verified)">
      <ProblemMessage error={pages.error} />
      {pages.current && pages.current.events.length > 0 ? (
        <table aria-label="History">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Position</th>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">By</th>
              <th scope="col">Data</th>
              <th scope="col">Verification</th>
            </tr>
          </thead>
          <tbody>
            {pages.current.events.map((event) => (
              <tr key={event.id}>
                <td className="number">{event.revision}</td>
                <td className="number">{event.position}</td>
                <td>{event.occurredAt}</td>
                <td>{event.type}</td>
                <td>{event.metadata.actor}</td>
                <td>
                  <code>{JSON.stringify(event.data)}</code>
                </td>
                <td className={`verification ${event.verification.status}`}>{event.verification.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No events.</p>
      )}
      <Pager {...pages} />
    </Section>
  );
}

function StateAtMoment({ playerId }: { playerId: string }) {
  const [state, setState] = useState<StateAt>();
  const [error, setError] = useState<unknown>();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const local = String(new FormData(event.currentTarget).get('at') ?? '');
    // datetime-local is the operator's local time; the API takes an ISO-8601 moment.
    const at = new Date(local).toISOString();
    get<StateAt>(`/v1/audit/players/${segment(playerId)}/state${query({ at })}`).then((found) => {
      setState(found);
      setError(undefined);
    }, setError);
  };
  return (
    <Section title="State at a moment">
      <form onSubmit={submit} className="inline" aria-label="State at a moment">
        <label>
          <span>Moment (your local time)</span>
          <input name="at" type="datetime-local" step={1} required />
        </label>
        <button type="submit">Show state</button>
      </form>
      <ProblemMessage error={error} />
      {state ? (
        <div role="status">
          <p>
            As of position {state.position}
            {state.occurredAt ? ` (${state.occurredAt})` : ''}, folded from the event store (
            {state.verification.ok ? 'hashes verified' : 'hash check FAILED'}):
          </p>
          <p>
            Balances:{' '}
            {Object.entries(state.wallet.balances)
              .map(([currency, amount]) => `${amount} ${currency}`)
              .join(', ') || 'none'}
            . Items:{' '}
            {state.inventory.items.map(({ sku, quantity }) => `${quantity} ${sku}`).join(', ') || 'none'}.
          </p>
        </div>
      ) : null}
    </Section>
  );
}
