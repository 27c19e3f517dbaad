// Every example validates; each deliberately broken scenario is rejected with a message naming
// the JSON path and what is wrong.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { loadScenarioFile, ValidationError } from '../../spec/validate.js';
import { EXAMPLES_DIR as EXAMPLES } from '../examples-dir.js';

const BROKEN = path.resolve(__dirname, '../fixtures/broken');

describe('scenario validation', () => {
  test.each(readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')))('example %s validates', (f) => {
    expect(() => loadScenarioFile(path.join(EXAMPLES, f))).not.toThrow();
  });

  // [file, JSON path, a fragment of the message]
  const cases: [string, string, RegExp][] = [
    ['bad-format', '/format', /gicdiff\/scenario@1/],
    ['unknown-op', '/ops/1/op', /unknown op "mmio.poke"/],
    ['missing-field', '/ops/0', /missing required field "reg"/],
    ['unknown-field', '/ops/0', /unknown field "colour"/],
    ['bad-hex', '/ops/0/value', /hex/],
    ['bad-sysreg', '/ops/0/reg', /must be one of/],
    ['cpu-out-of-range', '/ops/0/cpu', /vCPU 2 does not exist \(config has 2 vCPUs\)/],
    ['spis-not-multiple', '/config/spis', /multiple of 32/],
    ['its-missing', '/ops/0/its', /ITS 0 does not exist/],
    ['bad-its-command', '/ops/0/cmds/0', /missing required field "itt"/],
    ['unknown-its-command', '/ops/0/cmds/0/cmd', /unknown ITS command "MAPX"/],
    ['raw-short', '/ops/0/cmds/0/words', /fewer than 4/],
    ['gicr-no-index', '/ops/0', /"index"/],
    ['gicr-index-oob', '/ops/0/index', /redistributor 2 does not exist/],
    ['irq-line-both-forms', '/ops/0', /either "raw" or/],
    ['irq-line-no-form', '/ops/0', /needs "type" and "intid"/],
    ['bytes-odd', '/ops/0/bytes', /pattern/],
    ['not-json', '', /not valid JSON/],
    ['pcpu-oob', '/ops/0/pcpu', /physical CPU 2 does not exist/],
    ['bad-gicv4', '/config/impl/gicv4', /"off", "4.0", "4.1"/],
    ['ops-not-array', '/ops', /must be array/],
    ['itt-misaligned', '/ops/0/cmds/0', /itt/],
  ];

  test('every broken fixture has a case', () => {
    const files = readdirSync(BROKEN).map((f) => f.replace(/\.json$/, '')).sort();
    expect(files).toEqual(cases.map((c) => c[0]).sort());
  });

  test.each(cases)('%s is rejected at %s', (name, jsonPath, message) => {
    const file = path.join(BROKEN, `${name}.json`);
    let err: unknown;
    try {
      loadScenarioFile(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const v = err as ValidationError;
    expect(v.file).toBe(file);
    expect(v.jsonPath).toBe(jsonPath);
    expect(v.problem).toMatch(message);
    expect(v.message.startsWith(file)).toBe(true);
  });

  test('a missing file is a validation error, not a crash', () => {
    expect(() => loadScenarioFile('/nonexistent/x.json')).toThrow(/cannot read the file/);
  });
});
