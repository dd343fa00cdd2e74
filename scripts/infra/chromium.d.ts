/** Types of chromium.js for the browser suites. */

/** The flags every launch of headless Chromium gets. */
export const CHROMIUM_ARGS: readonly string[];
/** Why Chromium cannot be provisioned here, or undefined when it can. */
export function chromiumUnavailable(): string | undefined;
/** Installs Debian's chromium when it is missing and this runs as root; returns the binary. */
export function provisionChromium(): string;
