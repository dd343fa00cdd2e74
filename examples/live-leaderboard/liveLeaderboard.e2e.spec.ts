import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { artifactsDir, describeWithChromium } from '@test/support/browser';
import { keys, startApp, type TestApp } from '@test/support/testApp';

describeWithChromium('examples/live-leaderboard in Chromium (e2e)', (launch) => {
  let api: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    [api, browser] = await Promise.all([startApp(), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('shows a score submitted through the API, live, through a player session token', async () => {
    const board = `lb-${randomUUID().slice(0, 8)}`;
    const definition = { sortOrder: 'desc', operator: 'best', resetSchedule: 'never' };
    expect((await api.command('PUT', `/v1/leaderboards/${board}`, definition)).status).toBe(201);
    const submit = (playerId: string, score: number) =>
      api.command('POST', `/v1/leaderboards/${board}/scores`, { playerId, score }, keys.game);
    await submit('ada', 30);
    const session = await api.command('POST', '/v1/players/ada/sessions', {}, keys.fuzzer);
    const page = await browser.newPage();
    const url = new URL(pathToFileURL(join(__dirname, 'index.html')).href);
    url.search = new URLSearchParams({
      api: api.url.replace(/^http/, 'ws'),
      board,
      token: session.body.token,
    }).toString();
    await page.goto(url.href);
    const rows = page.locator('#entries tr');
    await rows.first().waitFor();
    expect(await rows.allInnerTexts()).toEqual(['1\tada\t30']);

    const submitted = await submit('grace', 55);
    await page.waitForFunction(
      (position) => Number(document.body.dataset.position) >= position,
      submitted.body.position,
    );
    expect(await rows.allInnerTexts()).toEqual(['1\tgrace\t55', '2\tada\t30']);
    expect(await page.locator('#status').innerText()).toBe(`live at position ${submitted.body.position}`);
    await page.screenshot({ path: join(artifactsDir('live-leaderboard'), 'board.png') });
  });
});
