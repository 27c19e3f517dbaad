// What a campaign worker runs against: targets and an oracle, loaded from a "plugin" module so a
// worker thread carries no target code it does not need, and self-tests can plug in targets with
// planted faults (test-only wrappers, never the product code). A plugin module exports either
// `getTarget(name)` or `targets: Target[]`, and optionally `oracle: OracleFactory` (default: none
// given means the plugin must export it; the default plugin exports the reference model's).
import type { Target } from '../../spec/target.js';
import type { OracleFactory } from '../../triage/lockstep.js';

export interface PluginModule {
  getTarget?: (name: string) => Target | undefined;
  targets?: Target[];
  oracle?: OracleFactory;
}

export interface LoadedPlugin {
  target: Target;
  oracle: OracleFactory;
}

export function resolvePlugin(m: PluginModule, targetName: string, file: string): LoadedPlugin {
  const target = m.getTarget?.(targetName) ?? m.targets?.find((t) => t.name === targetName);
  if (!target) {
    const names = m.targets?.map((t) => t.name) ?? [];
    throw new Error(`no target named ${JSON.stringify(targetName)} in ${file}${names.length ? ` (it has ${names.join(', ')})` : ''}`);
  }
  if (!m.oracle) throw new Error(`${file} exports no oracle`);
  return { target, oracle: m.oracle };
}
