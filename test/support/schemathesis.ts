/** The fuzzer the HTTP contract test runs, provisioned by scripts/infra (a virtualenv under .infra/). */
export { provisionSchemathesis, schemathesisUnavailable } from '../../scripts/infra/schemathesis';
