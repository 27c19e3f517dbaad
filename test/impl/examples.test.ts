// The examples (examples/) carry their expected results, written from the
// architecture and KVM's documented behaviour; every one must pass on the kvm target.
import { readdirSync } from 'node:fs';
import { EXAMPLES, loadExample, runScenario } from './helpers.js';

const names = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));

describe('examples on the kvm target', () => {
  for (const name of names) {
    test(name, () => {
      const s = loadExample(name);
      // GICv4 examples need the GICv4 bridge; without it the scenario runs on the software path.
      const { failures, results } = runScenario(s);
      expect({ name, failures, results: failures.length ? results : [] }).toEqual({ name, failures: [], results: [] });
    });
  }
});
