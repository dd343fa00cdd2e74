import { type FormEvent, useEffect, useState } from 'react';
import { type Scope, type Session, forgetKey, signIn, storedKey } from './api';
import { ProblemMessage } from './components';
import { AuditPage } from './pages/AuditPage';
import { CatalogPage } from './pages/CatalogPage';
import { LeaderboardsPage } from './pages/LeaderboardsPage';
import { PlayerPage } from './pages/PlayerPage';
import { SystemPage } from './pages/SystemPage';

const PAGES = [
  { id: 'player', title: 'Players', Page: PlayerPage },
  { id: 'leaderboards', title: 'Leaderboards', Page: LeaderboardsPage },
  { id: 'catalog', title: 'Catalog', Page: CatalogPage },
  { id: 'audit', title: 'Audit', Page: AuditPage },
  { id: 'system', title: 'System', Page: SystemPage },
] as const;

type PageId = (typeof PAGES)[number]['id'];

/** The page in the URL's fragment (`#/catalog`): links and the back button work, the key never appears. */
const currentPage = (): PageId => {
  const id = window.location.hash.replace(/^#\/?/, '').split('/')[0];
  return PAGES.some((page) => page.id === id) ? (id as PageId) : 'player';
};

export type PageProps = { can: (scope: Scope) => boolean };

export function App() {
  const [session, setSession] = useState<Session>();
  const [checking, setChecking] = useState(() => storedKey() !== null);
  const [page, setPage] = useState<PageId>(currentPage);

  useEffect(() => {
    const onHash = () => setPage(currentPage());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  // A reload keeps the tab's key: check it again rather than trust what the tab remembers.
  useEffect(() => {
    const key = storedKey();
    if (!key) return;
    signIn(key)
      .then(setSession, () => forgetKey())
      .finally(() => setChecking(false));
  }, []);

  if (checking) return <p className="muted">Checking the API key…</p>;
  if (!session) return <SignIn onSignedIn={setSession} />;

  const can = (scope: Scope) => session.scopes.includes(scope);
  const { Page, title } = PAGES.find((each) => each.id === page)!;
  return (
    <>
      <header className="top">
        <span className="brand">Game backend console</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((each) => (
              <li key={each.id}>
                <a href={`#/${each.id}`} aria-current={each.id === page ? 'page' : undefined}>
                  {each.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          Signed in as <strong>{session.name}</strong> ({session.scopes.join(', ')})
          <button
            type="button"
            onClick={() => {
              forgetKey();
              setSession(undefined);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main>
        <h1>{title}</h1>
        <Page can={can} />
      </main>
    </>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [error, setError] = useState<unknown>();
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const key = String(new FormData(event.currentTarget).get('key') ?? '').trim();
    setError(undefined);
    try {
      onSignedIn(await signIn(key));
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <main className="sign-in">
      <h1>Game backend console</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <label>
          <span>API key</span>
          <input name="key" type="password" autoComplete="off" required autoFocus />
        </label>
        <button type="submit">Sign in</button>
        <p className="muted">The key stays in this tab only, and is sent only in the Authorization header.</p>
      </form>
      <ProblemMessage error={error} />
    </main>
  );
}
