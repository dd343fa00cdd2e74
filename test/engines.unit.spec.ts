import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { subset } from 'semver';

const root = join(__dirname, '..');
const json = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8'));
const manifest = json('package.json');
const ours: string = manifest.engines.node;
const enginesOf = (name: string): string | undefined =>
  json(`node_modules/${name}/package.json`).engines?.node;

/**
 * Direct dev dependencies whose own engines leave out Node versions ours names. Listed, with why they stay,
 * so a new conflict fails here; the spec also fails once one of them no longer conflicts.
 */
const KNOWN_CONFLICTS: Record<string, string> = {
  '@axe-core/playwright':
    "declares Node >=22.12; only the console's accessibility specs load it, and they pass on Node 20 here",
};

/**
 * package.json `engines` names only Node versions that every direct dependency declares it supports:
 * a runtime dependency that leaves one out (a native addon not built for it, a syntax it lacks) would fail
 * the api there, whatever our range promises.
 */
describe('package.json engines against the dependencies’ own', () => {
  it('names the maintained LTS lines the image and CI run (Node 24) and the build machines have (Node 20)', () => {
    expect(subset('24.0.0', ours)).toBe(true);
    expect(subset('20.19.0', ours)).toBe(true);
    expect(json('package-lock.json').packages[''].engines.node).toBe(ours);
  });

  it.each(Object.keys(manifest.dependencies))(
    'runtime dependency %s supports every version ours names',
    (name) => {
      const theirs = enginesOf(name);
      const within = theirs === undefined || subset(ours, theirs);
      expect({ name, theirs, within }).toEqual({ name, theirs, within: true });
    },
  );

  it.each(Object.keys(manifest.devDependencies))(
    'dev dependency %s supports them, or is a listed conflict',
    (name) => {
      const theirs = enginesOf(name);
      const within = theirs === undefined || subset(ours, theirs);
      expect({ name, theirs, within }).toEqual({ name, theirs, within: !(name in KNOWN_CONFLICTS) });
    },
  );
});
