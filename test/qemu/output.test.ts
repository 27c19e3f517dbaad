// Parsing the agent's UART output (targets/qemu/output.ts; line formats in agent.c).
import { AgentOutputParser, describeException } from '../../targets/qemu/output.js';

test('results of every kind, across chunk boundaries', () => {
  const p = new AgentOutputParser(5);
  p.push('GICDIFF-AGENT 1\nAGENT-READY 5\nR0 V 2');
  p.push('000\nR1 N\nR2 W\r\nR3 A\nR4 B 00ff\nDO');
  p.push('NE\n');
  expect(p.finish()).toEqual({ results: ['0x2000', null, 'woken', 'asleep', '00ff'], done: true });
});

test('an exception stops the trace at its op, with the fault decoded', () => {
  const p = new AgentOutputParser(3);
  p.push('R0 N\nF 1 4 96000010 be001bec 8140008\n');
  const o = p.finish();
  expect(o.done).toBe(false);
  expect(o.results).toEqual([null]);
  expect(o.error?.opIndex).toBe(1);
  expect(o.error?.message).toBe('guest exception: data abort, synchronous external abort, read (op 1, vector 4, address 0x8140008, ESR_EL1 0x96000010, ELR_EL1 0xbe001bec)');
});

test('out-of-order or missing results are errors, not silently accepted', () => {
  const p = new AgentOutputParser(3);
  p.push('R0 N\nR2 N\n');
  expect(p.finish().error).toEqual({ opIndex: 1, message: 'agent reported op 2 where op 1 was expected' });
  const q = new AgentOutputParser(2);
  q.push('R0 N\nDONE\n');
  expect(q.finish().error?.message).toMatch(/after 1 of 2 ops/);
});

test('ESR decoding (Arm ARM ESR_EL1: EC [31:26], WnR [6], DFSC [5:0])', () => {
  expect(describeException(0x9600_0061n, 0x4100_0001n, 0n, 'op 3')).toMatch(/^guest exception: data abort, alignment fault, write \(op 3, address 0x41000001,/);
  expect(describeException(0x0200_0000n, 0n, 0xbe00_1000n, 'op 0')).toMatch(/^guest exception: unknown reason \(UNDEFINED instruction\) \(op 0, ESR_EL1 0x2000000/);
});

test('an op group: members report in any order, the closing line makes their array (listed order)', () => {
  const p = new AgentOutputParser(3);
  p.push('R0 N\nR1.2 J {"errno":0}\nR1.0 V 3ff\nR1.1 N\nR1 G 3\nR2 V 2000\nDONE\n');
  expect(p.finish()).toEqual({ results: [null, ['0x3ff', null, { errno: 0 }], '0x2000'], done: true });
});

test('a group closed with a member missing, or a member reported twice, is an error', () => {
  const p = new AgentOutputParser(1);
  p.push('R0.0 N\nR0 G 2\n');
  expect(p.finish().error).toEqual({ opIndex: 0, message: 'group op 0: member 1 of 2 reported no result' });
  const q = new AgentOutputParser(1);
  q.push('R0.1 N\nR0.1 J 0\n');
  expect(q.finish().error).toEqual({ opIndex: 0, message: 'group member 1 of op 0 reported twice' });
  const r = new AgentOutputParser(2);
  r.push('R1.0 N\n');
  expect(r.finish().error?.message).toBe('a group member of op 1 reported where op 0 was expected');
});
