'use strict';
/**
 * Headless Chromium for the console's browser tests: Debian's `chromium`, driven by playwright-core
 * (`npx playwright install` cannot download browsers here).
 *
 *   node scripts/infra/chromium.js provision   # apt-get install chromium when missing (as root)
 */
const { cli, debianProgram } = require('./common');

const chromium = debianProgram({
  binary: 'chromium',
  // Fonts with the glyphs the console's text needs, for screenshots a person can read.
  packages: ['chromium', 'fonts-dejavu-core'],
  install: 'install Chromium (apt-get install chromium)',
});

/**
 * How the tests launch it: headless, no GPU, a fresh profile per launch (playwright-core gives one), and
 * none of the background networking that keeps dialling out from a machine without internet.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

module.exports = {
  CHROMIUM_ARGS,
  chromiumUnavailable: chromium.unavailable,
  provisionChromium: chromium.provision,
};

if (require.main === module) {
  cli({ name: 'chromium', provision: chromium.provision }).catch((error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  });
}
