/** Types of schemathesis.js for the suites that run the fuzzer. */
export const SCHEMATHESIS_VERSION: string;
/** Why Schemathesis cannot be provisioned here, or undefined when it can. */
export function schemathesisUnavailable(): string | undefined;
/** Installs Schemathesis into .infra/ once; returns the path of its `st` command. */
export function provisionSchemathesis(): string;
