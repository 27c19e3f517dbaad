// The host (protocol.ts) and the agent (agent/protocol.h, agent.ld) must agree on every constant.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { PROTOCOL_CONSTANTS, AGENT_BASE, OPS_BASE, OPS_MAX_BYTES, AGENT_RAM_SIZE } from '../../targets/qemu/protocol.js';
import { RAM_BASE, FREE_RAM } from '../../spec/layout.js';
import { AGENT_ELF } from '../../targets/qemu/target.js';

const agentDir = path.join(__dirname, '../../targets/qemu/agent');

function headerDefines(): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of readFileSync(path.join(agentDir, 'protocol.h'), 'utf8').split('\n')) {
    const d = /^#define\s+(\w+)\s+(0x[0-9a-fA-F]+|\d+)\b/.exec(line);
    if (d) m.set(d[1]!, Number(d[2]));
  }
  return m;
}

describe('agent protocol', () => {
  test('every constant of protocol.ts has the same value in protocol.h', () => {
    const h = headerDefines();
    for (const [name, value] of Object.entries(PROTOCOL_CONSTANTS)) {
      expect({ name, value: h.get(name) }).toEqual({ name, value });
    }
  });

  test('the linker script places the agent at AGENT_BASE', () => {
    const ld = readFileSync(path.join(agentDir, 'agent.ld'), 'utf8');
    expect(ld).toMatch(new RegExp(`\\. = 0x${AGENT_BASE.toString(16)};`, 'i'));
  });

  test('agent and ops sit above the scenario RAM of docs/scenario-format.md and inside -m', () => {
    expect(AGENT_BASE).toBeGreaterThan(FREE_RAM);
    expect(OPS_BASE).toBeGreaterThan(AGENT_BASE);
    expect(OPS_BASE + OPS_MAX_BYTES).toBeLessThanOrEqual(RAM_BASE + AGENT_RAM_SIZE);
  });

  const built = existsSync(AGENT_ELF);
  (built ? test : test.skip)('the built ELF enters at AGENT_BASE (ELF64 e_entry at byte 24)', () => {
    const elf = readFileSync(AGENT_ELF);
    expect(elf.subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    expect(elf.readUInt16LE(18)).toBe(183); // EM_AARCH64
    expect(Number(elf.readBigUInt64LE(24))).toBe(AGENT_BASE);
  });
});
