/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import AxeBuilder from '@axe-core/playwright';
import { artifactsDir, buildConsole, describeWithChromium } from '@test/support/browser';
import { appendFillerEvents } from '@test/support/eventLog';
import { keys, startApp, type TestApp } from '@test/support/testApp';
import type { Browser, Page } from 'playwright-core';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The operator console in a real browser (Debian's headless Chromium, driven by playwright-core) against
 * an api this suite starts with a console it builds. Screenshots go to artifacts/console/.
 */
describeWithChromium('operator console in Chromium (e2e)', (launch) => {
  jest.setTimeout(120_000);
  let api: TestApp;
  let browser: Browser;
  let consoleDir: string;
  const shots = artifactsDir('console');
  const pages: Page[] = [];
  let cupPeriod: string;

  beforeAll(async () => {
    consoleDir = buildConsole();
    api = await startApp({ env: { CONSOLE_DIR: consoleDir } });
    browser = await launch();
    const potion = await api.command('PUT', '/v1/catalog/items/potion', {
      name: 'Health potion',
      prices: { GOLD: 10 },
      stackable: true,
      maxStack: 20,
    });
    expect(potion.status).toBe(201);
    const board = await api.command('PUT', '/v1/leaderboards/arena', {
      sortOrder: 'desc',
      operator: 'best',
      resetSchedule: 'never',
    });
    expect(board.status).toBe(201);
    for (const [playerId, score] of [
      ['anna', 40],
      ['ben', 70],
      ['cleo', 55],
    ] as const) {
      await api.command('POST', '/v1/leaderboards/arena/scores', { playerId, score }, keys.game);
    }
    // A short tournament that closes while the other cases run: its close and payout show on the board.
    cupPeriod = new Date(Date.now() - 1000).toISOString();
    const cupEnds = new Date(Date.now() + 1500).toISOString();
    expect((await api.command('PUT', '/v1/catalog/currencies/GOLD', { name: 'Gold' })).status).toBe(201);
    const cup = await api.command('PUT', '/v1/tournaments/cup', {
      sortOrder: 'desc',
      operator: 'best',
      resetSchedule: { type: 'window', start: cupPeriod, end: cupEnds },
      rewards: [{ fromRank: 1, toRank: 2, currencies: { GOLD: 25 } }],
      tournament: { joinClosesAt: cupEnds, maxParticipants: 8 },
    });
    expect(cup.status).toBe(201);
    for (const [playerId, score] of [
      ['anna', 5],
      ['ben', 9],
    ] as const) {
      const joined = await api.command('POST', '/v1/tournaments/cup/entries', { playerId }, keys.game);
      expect(joined.status).toBe(201);
      await api.command('POST', '/v1/leaderboards/cup/scores', { playerId, score }, keys.game);
    }
  });

  afterAll(async () => {
    await Promise.all(pages.map((page) => page.context().close()));
    await browser?.close();
    await api?.close();
    rmSync(consoleDir, { recursive: true, force: true });
  });

  /** A fresh browser context (its own session storage) on the console, signed in with `key` if given. */
  const openConsole = async (key?: string): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    pages.push(page);
    await page.goto(`${api.url}/console`);
    if (key) {
      await page.getByLabel('API key').fill(key);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('Signed in as').waitFor();
    }
    return page;
  };
  const screenshot = (page: Page, name: string) =>
    page.screenshot({ path: join(shots, name), fullPage: true });
  const go = async (page: Page, title: string) => {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: title }).click();
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
  };
  /** A period once the closer has closed it and paid its rewards, as the API answers it. */
  const closedPeriod = async (board: string, period: string) => {
    for (;;) {
      const { body } = await api.query(`/v1/leaderboards/${board}/periods/${encodeURIComponent(period)}`);
      if (body.status === 'closed' && body.rewardsPaidThrough === 0) return body;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  const findPlayer = async (page: Page, playerId: string) => {
    const search = page.getByRole('search', { name: 'Find a player' });
    await search.getByLabel('Player id').fill(playerId);
    await search.getByRole('button', { name: 'Find player' }).click();
    await page.getByRole('heading', { name: 'Wallet' }).waitFor();
  };
  const alertText = async (page: Page, form: string) =>
    (await page.getByRole('form', { name: form }).getByRole('alert').textContent()) ?? '';
  /** Serious and critical findings of axe-core on the page as it is. */
  const accessibilityFindings = async (page: Page) => {
    const { violations } = await new AxeBuilder({ page }).analyze();
    return violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map(({ id, impact, nodes }) => ({ id, impact, targets: nodes.map((node) => node.target.join(' ')) }));
  };

  it("refuses a wrong key with the API's problem, and keeps the key out of the URL and the page", async () => {
    const page = await openConsole();
    await screenshot(page, '01-sign-in.png');
    await page.getByLabel('API key').fill('not-a-key-0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Authentication required');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await screenshot(page, '02-wrong-key.png');

    await page.getByLabel('API key').fill(keys.operator);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in as').waitFor();
    expect(await page.getByText('Signed in as').textContent()).toContain('operator');
    expect(page.url()).not.toContain(keys.operator);
    expect(await page.content()).not.toContain(keys.operator);
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([keys.operator]);
  });

  it('finds a player and grants with a reason: the ledger row appears at once (read-after-write)', async () => {
    const page = await openConsole(keys.operator);
    await findPlayer(page, 'dana');
    const grant = page.getByRole('form', { name: 'Grant or spend currency' });
    await grant.getByLabel('Currency').fill('GOLD');
    await grant.getByLabel('Amount').fill('250');
    await grant.getByLabel('Reason').fill('compensation for the outage');
    await grant.getByRole('button', { name: 'Grant or spend currency' }).click();
    await grant.getByRole('status').waitFor();

    const ledger = page.getByRole('table', { name: 'Ledger' });
    const row = ledger.getByRole('row').filter({ hasText: 'compensation for the outage' });
    await row.waitFor();
    expect(await row.textContent()).toContain('+250 GOLD (then 250)');
    const wallet = page.getByRole('region', { name: 'Wallet' });
    await wallet.getByRole('cell', { name: '250' }).waitFor();

    // The history comes from the event store: verified, and caused by the operator's key.
    const history = page.getByRole('table', { name: 'History' });
    const event = history.getByRole('row').filter({ hasText: 'CurrencyGranted' });
    await event.waitFor();
    expect(await event.textContent()).toMatch(/operator.*compensation for the outage.*verified/);
    const [stored] = await api.stream('playerEconomy-dana');
    expect(stored.metadata.actor).toBe('operator');

    // The state at a moment, folded from the event store: before the grant nothing, after it the 250.
    const moment = page.getByRole('region', { name: 'State at a moment' });
    const localTime = (iso: string) =>
      page.evaluate((at) => {
        const date = new Date(at);
        return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
      }, iso);
    // The field takes whole seconds: the second after the grant's.
    const after = new Date(Date.parse(stored.occurredAt) + 1000).toISOString();
    await moment.getByLabel('Moment (your local time)').fill(await localTime(after));
    await moment.getByRole('button', { name: 'Show state' }).click();
    await moment.getByText('Balances: 250 GOLD').waitFor();
    const before = new Date(Date.parse(stored.occurredAt) - 2000).toISOString();
    await moment.getByLabel('Moment (your local time)').fill(await localTime(before));
    await moment.getByRole('button', { name: 'Show state' }).click();
    await moment.getByText('Balances: none').waitFor();
    await screenshot(page, '03-player-after-grant.png');
  });

  it("shows the API's problem for bad input, and nothing changes", async () => {
    const page = await openConsole(keys.operator);
    await findPlayer(page, 'dana');
    const before = (await api.stream('playerEconomy-dana')).length;

    const grant = page.getByRole('form', { name: 'Grant or spend currency' });
    await grant.getByLabel('Currency').fill('GOLD');
    await grant.getByLabel('Amount').fill('-5');
    await grant.getByLabel('Reason').fill('a typo');
    await grant.getByRole('button', { name: 'Grant or spend currency' }).click();
    await grant.getByRole('alert').waitFor();
    const negative = await alertText(page, 'Grant or spend currency');
    expect(negative).toContain('amount');
    expect(negative).toMatch(/>= 1|minimum|must be/);

    const consume = page.getByRole('form', { name: 'Consume items' });
    await consume.getByLabel('Item (sku)').fill('no-such-item');
    await consume.getByLabel('Quantity').fill('1');
    await consume.getByLabel('Reason').fill('cleanup');
    await consume.getByRole('button', { name: 'Consume items' }).click();
    await consume.getByRole('alert').waitFor();
    expect(await alertText(page, 'Consume items')).toContain('no catalog item no-such-item');

    // A reason of spaces passes the browser's `required`; the API names the field.
    await grant.getByLabel('Amount').fill('5');
    await grant.getByLabel('Reason').fill('   ');
    await grant.getByRole('button', { name: 'Grant or spend currency' }).click();
    await page.waitForFunction(() =>
      document
        .querySelector('form[aria-label="Grant or spend currency"] [role=alert]')
        ?.textContent?.includes('reason'),
    );
    await screenshot(page, '04-bad-input.png');
    expect((await api.stream('playerEconomy-dana')).length).toBe(before);
  });

  it('verifies the log and runs the replay check, showing progress while they run', async () => {
    // Enough events that each run takes a while: progress is sent every quarter second.
    await appendFillerEvents(api.events, { streams: 100, perStream: 1000 });
    const page = await openConsole(keys.operator);
    await go(page, 'Audit');
    // Every progress text the page showed, whatever the run's speed.
    await page.evaluate(() => {
      const seen: string[] = ((window as unknown as { progressSeen: string[] }).progressSeen = []);
      new MutationObserver(() => {
        for (const element of document.querySelectorAll('.progress')) {
          const text = element.textContent ?? '';
          if (seen.at(-1) !== text) seen.push(text);
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const progressSeen = () =>
      page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);

    await page.getByRole('button', { name: 'Verify' }).click();
    const verified = page.getByRole('region', { name: 'Verify the hash chains' }).getByText(/^Verified:/);
    await verified.waitFor({ timeout: 60_000 });
    expect(await verified.textContent()).toMatch(/Verified: \d+ events in \d+ streams/);
    expect((await progressSeen()).some((text) => /^verify: [\d,]+ events, [\d,]+\/s/.test(text))).toBe(true);
    await screenshot(page, '05-audit-verified.png');

    await page.getByRole('button', { name: 'Run the replay check' }).click();
    const checked = page.getByText(/^No difference:/);
    await checked.waitFor({ timeout: 60_000 });
    expect((await progressSeen()).some((text) => /^replay: [\d,]+ events/.test(text))).toBe(true);
    await screenshot(page, '06-audit-replay-check.png');

    // One stream, by keyboard-free form input too.
    await page.getByLabel('One stream').check();
    await page.getByLabel('Stream (playerEconomy-p1)').fill('playerEconomy-dana');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText(/^Verified: 1 events in 1 streams/).waitFor();
  });

  it('a read-only key sees no write control, and the server refuses the write anyway', async () => {
    const page = await openConsole(keys.reader);
    await findPlayer(page, 'dana');
    expect(await page.getByRole('form', { name: 'Grant or spend currency' }).count()).toBe(0);
    expect(await page.getByRole('form', { name: 'Consume items' }).count()).toBe(0);
    await page.getByText('Granting, spending and consuming needs a key with the economy scope.').waitFor();
    await page
      .getByRole('table', { name: 'Ledger' })
      .getByRole('row')
      .filter({ hasText: 'compensation' })
      .waitFor();
    await screenshot(page, '07-read-only-player.png');

    await go(page, 'Catalog');
    await page.getByRole('table', { name: 'Catalog' }).waitFor();
    expect(await page.getByRole('button', { name: /^Edit / }).count()).toBe(0);
    expect(await page.getByRole('form').count()).toBe(0);
    await go(page, 'Leaderboards');
    await page.getByRole('table', { name: 'Leaderboards' }).waitFor();
    expect(await page.getByRole('form', { name: 'Define a leaderboard' }).count()).toBe(0);
    await go(page, 'Audit');
    await page.getByText('needs a key with the audit scope').waitFor();

    // The same request the console would send, from the page with the key it holds: refused.
    const before = (await api.stream('playerEconomy-dana')).length;
    const refused = await page.evaluate(async () => {
      const response = await fetch('/v1/players/dana/grants', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${sessionStorage.getItem('console.apiKey')}`,
          'content-type': 'application/json',
          'idempotency-key': crypto.randomUUID(),
        },
        body: JSON.stringify({ currency: 'GOLD', amount: 1000000, reason: 'self-service' }),
      });
      return { status: response.status, body: await response.json() };
    });
    expect(refused).toMatchObject({ status: 403, body: { type: '/problems/forbidden' } });
    expect((await api.stream('playerEconomy-dana')).length).toBe(before);
  });

  it('edits the catalog and shows the leaderboards and the system', async () => {
    const page = await openConsole(keys.operator);
    await go(page, 'Catalog');
    await page.getByRole('button', { name: 'Edit potion' }).click();
    const edit = page.getByRole('form', { name: 'Save potion' });
    await edit.getByLabel('Prices (CURRENCY=amount, ...)').fill('GOLD=12, GEMS=1');
    await edit.getByRole('button', { name: 'Save potion' }).click();
    await page
      .getByRole('table', { name: 'Catalog' })
      .getByRole('cell', { name: 'GEMS=1, GOLD=12' })
      .waitFor();
    expect((await api.query('/v1/catalog/items/potion')).body.prices).toEqual({ GOLD: 12, GEMS: 1 });
    await screenshot(page, '08-catalog.png');

    await go(page, 'Leaderboards');
    await page.getByRole('button', { name: 'Open arena' }).click();
    await page.getByRole('button', { name: 'Show top' }).click();
    const top = page.getByRole('table', { name: 'Top entries' });
    await top.waitFor();
    expect(await top.getByRole('row').allTextContents()).toEqual([
      expect.stringContaining('Rank'),
      expect.stringMatching(/^1ben70/),
      expect.stringMatching(/^2cleo55/),
      expect.stringMatching(/^3anna40/),
    ]);
    const around = page.getByRole('form', { name: 'Around a player' });
    await around.getByLabel('Player id').fill('anna');
    await around.getByLabel('Neighbours').fill('1');
    await around.getByRole('button', { name: 'Show around player' }).click();
    const near = page.getByRole('table', { name: 'Around the player' });
    await near.waitFor();
    expect((await near.getByRole('row').allTextContents()).slice(1)).toEqual([
      expect.stringMatching(/^2cleo/),
      expect.stringMatching(/^3anna/),
    ]);
    await screenshot(page, '09-leaderboards.png');

    // The tournament: its rules, its reward table, its close, and a player excluded from it.
    const closed = await closedPeriod('cup', cupPeriod);
    await go(page, 'Leaderboards');
    await page.getByRole('button', { name: 'Open cup' }).click();
    const rules = page.getByRole('definition').filter({ hasText: 'joined' });
    expect(await rules.textContent()).toBe('2 joined, 0 joining, at most 8');
    expect((await page.getByRole('table', { name: 'Rewards' }).getByRole('row').allTextContents())[1]).toBe(
      '1–2GOLD=25',
    );
    const periodForm = page.getByRole('form', { name: 'A period' });
    await periodForm.getByLabel('Period').fill(cupPeriod);
    await periodForm.getByRole('button', { name: 'Show period' }).click();
    await page.getByTestId('period-status').getByText('Closed at').waitFor();
    const standings = page.getByRole('table', { name: 'Standings as adjudicated' });
    expect((await standings.getByRole('row').allTextContents())[1]).toBe(
      `02${closed.adjudications[0].standingsHash}`,
    );
    const exclude = page.getByRole('form', { name: 'Exclude a player' });
    await exclude.getByLabel('Player id').fill('ben');
    await exclude.getByLabel('Reason').fill('shared account');
    await exclude.getByRole('button', { name: 'Exclude a player' }).click();
    await page.getByRole('list', { name: 'Exclusions' }).getByText('ben: shared account').waitFor();
    const period = await api.query(`/v1/leaderboards/cup/periods/${encodeURIComponent(cupPeriod)}`);
    expect(period.body.exclusions).toEqual([{ playerId: 'ben', reason: 'shared account' }]);
    await screenshot(page, '10-tournament-closed.png');

    await go(page, 'System');
    const head = await api.events.headPosition();
    await page.getByTestId('head').waitFor();
    expect(Number(await page.getByTestId('head').textContent())).toBeGreaterThanOrEqual(head);
    await page.getByRole('table', { name: 'Read models' }).getByRole('cell', { name: 'wallets' }).waitFor();
    await page.getByText('No relay in this mode').waitFor();
    await screenshot(page, '11-system.png');
  });

  it('has no serious or critical accessibility violation on any page (axe-core)', async () => {
    const signIn = await openConsole();
    expect(await accessibilityFindings(signIn)).toEqual([]);
    const page = await openConsole(keys.operator);
    await findPlayer(page, 'dana');
    await page.getByRole('table', { name: 'History' }).waitFor();
    expect({ page: 'player', findings: await accessibilityFindings(page) }).toEqual({
      page: 'player',
      findings: [],
    });
    for (const title of ['Leaderboards', 'Catalog', 'Audit', 'System']) {
      await go(page, title);
      await page.waitForLoadState('networkidle');
      expect({ page: title, findings: await accessibilityFindings(page) }).toEqual({
        page: title,
        findings: [],
      });
    }
  });

  it('can be used with the keyboard alone, with the focus always visible', async () => {
    const page = await openConsole();
    // The key field has the focus on arrival; Enter submits.
    await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'key');
    await page.keyboard.type(keys.operator);
    await page.keyboard.press('Enter');
    await page.getByText('Signed in as').waitFor();

    /** Tabs forward until the focused element matches, and checks each stop shows its focus. */
    const tabTo = async (describeFocus: RegExp) => {
      for (let stop = 0; stop < 40; stop++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const element = document.activeElement as HTMLElement;
          const style = getComputedStyle(element);
          return {
            label:
              `${element.tagName} ${element.getAttribute('name') ?? ''} ${element.textContent ?? ''}`.trim(),
            outline: style.outlineStyle !== 'none' && style.outlineWidth !== '0px',
          };
        });
        expect({ focused: focused.label, visible: focused.outline }).toEqual({
          focused: focused.label,
          visible: true,
        });
        if (describeFocus.test(focused.label)) return;
      }
      throw new Error(`no focus stop matching ${describeFocus}`);
    };

    await tabTo(/^A\s+Catalog$/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Catalog' }).waitFor();
    await tabTo(/^INPUT sku/);
    await page.keyboard.type('shield');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Wooden shield');
    await page.keyboard.press('Tab');
    await page.keyboard.type('GOLD=30');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space'); // not stackable
    await tabTo(/^BUTTON\s+Define an item$/);
    await page.keyboard.press('Enter');
    await page.getByRole('table', { name: 'Catalog' }).getByRole('cell', { name: 'Wooden shield' }).waitFor();
    expect((await api.query('/v1/catalog/items/shield')).body).toMatchObject({
      name: 'Wooden shield',
      prices: { GOLD: 30 },
      stackable: false,
    });
    await screenshot(page, '12-keyboard-catalog.png');
  });
});
