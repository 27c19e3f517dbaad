// Every rule id the model can record exists in spec/rules.json or model/missing-rules.json
// (docs/oracle.md), and every id the model's sources name is in model/rule-ids.ts.
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { MODEL_RULE_IDS } from '../../model/rule-ids.js';
import { createOracle } from '../../model/oracle.js';
import { RANDOM_CONFIG, runRandomModel, scenarioArb, loadExamples } from './helpers.js';

interface Rule { id: string; statement: string; source: string; kind: string; component: string }
const specRules = (JSON.parse(readFileSync('spec/rules.json', 'utf8')) as { rules: Rule[] }).rules;
const missing = (JSON.parse(readFileSync('model/missing-rules.json', 'utf8')) as { rules: Rule[] }).rules;
const known = new Set([...specRules, ...missing].map((r) => r.id));

test('every rule id the model can record is catalogued', () => {
  const absent = [...MODEL_RULE_IDS].filter((id) => !known.has(id));
  expect(absent).toEqual([]);
});

test('missing-rules.json entries are complete (the lead merges them into spec/rules.json)', () => {
  for (const r of missing) {
    expect(r.statement.length).toBeGreaterThan(20);
    expect(r.source.length).toBeGreaterThan(3);
    expect(['arch', 'kvm-abi', 'permitted-choice']).toContain(r.kind);
    expect(['dist', 'redist', 'cpuif', 'lpi', 'its', 'kvm', 'gicv4']).toContain(r.component);
  }
});

test('every rule id literal in model/**/*.ts is listed in rule-ids.ts', () => {
  const prefixes = /'((?:dist|redist|cpuif|lpi|its|kvm|choice|mmio|mem|sched|impdef)\.[a-z0-9]+(?:[.-][a-z0-9]+)+)'/g;
  const opNames = new Set(['mmio.read', 'mmio.write', 'mem.read', 'mem.write', 'its.cmd', 'kvm.irqfd']);
  // quirk ids (model/choices.ts) name entries of spec/expectations/<target>.json, not rules
  const quirkIds = new Set(readdirSync('spec/expectations').flatMap((f) => (JSON.parse(readFileSync(`spec/expectations/${f}`, 'utf8')) as { entries: { id: string }[] }).entries.map((e) => e.id)));
  const unlisted: string[] = [];
  // quirks.ts names quirks (ids of spec/expectations/<target>.json), not rules
  const files = readdirSync('model', { recursive: true }).map(String).filter((f) => f.endsWith('.ts') && f !== 'rule-ids.ts' && f !== 'quirks.ts');
  for (const f of files) {
    for (const m of readFileSync(`model/${f}`, 'utf8').matchAll(prefixes)) {
      const id = m[1]!;
      if ((opNames.has(id) || quirkIds.has(id)) && !MODEL_RULE_IDS.has(id)) continue;
      if (!MODEL_RULE_IDS.has(id)) unlisted.push(`${f}: ${id}`);
    }
  }
  expect(unlisted).toEqual([]);
});

test('rules recorded while running examples and random scenarios are all listed', () => {
  const seen = new Set<string>();
  for (const { expanded } of loadExamples()) {
    const o = createOracle(expanded.config);
    const r = runRandomModel(expanded.config, expanded.ops, 'x');
    expanded.ops.forEach((op, i) => o.observe(op, r[i]!));
    for (const id of o.coverage()) seen.add(id);
  }
  for (const ops of fc.sample(scenarioArb(40), { numRuns: 30, seed: 7 })) {
    const o = createOracle(RANDOM_CONFIG);
    const r = runRandomModel(RANDOM_CONFIG, ops, 'y');
    ops.forEach((op, i) => o.observe(op, r[i]!));
    for (const id of o.coverage()) seen.add(id);
  }
  expect([...seen].filter((id) => !MODEL_RULE_IDS.has(id))).toEqual([]);
  expect(seen.size).toBeGreaterThan(60);
});
