// targets/kvm-linux/CONFIRMED.md carries the counts and the table of the last
// `npx tsx scripts/confirm-divergences.ts --doc targets/kvm-linux/CONFIRMED.md` between two marker
// lines: the counts must be those of the table (a hand edit of one without the other fails here),
// and every entry of spec/expectations/kvm.json has its row.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const doc = readFileSync(path.join(root, 'targets/kvm-linux/CONFIRMED.md'), 'utf8');
const BEGIN = '<!-- scripts/confirm-divergences.ts --doc: generated from here -->';
const END = '<!-- scripts/confirm-divergences.ts --doc: to here -->';
const VERDICTS = ['confirmed', 'not reproduced', 'other', 'unsupported', 'no scenario'];

test('CONFIRMED.md has the generated block, and its counts are its table\'s', () => {
  expect(doc.includes(BEGIN) && doc.includes(END)).toBe(true);
  const block = doc.slice(doc.indexOf(BEGIN), doc.indexOf(END)).split('\n');
  const header = block.find((l) => l.startsWith('| entry |'))!;
  const kernels = header.split('|').slice(2, -2).map((c) => c.trim());
  expect(kernels.length).toBeGreaterThan(0);
  const rows = block.filter((l) => l.startsWith('| ') && !l.startsWith('| entry') && !l.startsWith('| ---')).map((l) => l.split(' | '));
  const ids = rows.map((r) => r[0]!.replace(/^\| /, ''));
  const entries = (JSON.parse(readFileSync(path.join(root, 'spec/expectations/kvm.json'), 'utf8')) as { entries: { id: string }[] }).entries.map((e) => e.id);
  expect([...ids].sort()).toEqual([...entries].sort());
  kernels.forEach((k, col) => {
    const line = block.find((l) => l.startsWith(`- ${k}: `));
    expect({ k, line: line !== undefined }).toEqual({ k, line: true });
    const stated = Object.fromEntries(line!.slice(k.length + 4).split(', ').map((p) => { const m = /^(\d+) (.*)$/.exec(p)!; return [m[2]!, Number(m[1])]; }));
    const counted = Object.fromEntries(VERDICTS.map((v) => [v, rows.filter((r) => r[col + 1]!.startsWith(`**${v}**`)).length]));
    expect({ k, counts: stated }).toEqual({ k, counts: counted });
  });
});
