// Finding a target for a command: a registered one (fuzz/targets.ts), or one from a --plugin
// module (fuzz/campaign/plugin.ts; self-tests plug in targets with planted faults), with the
// oracle that goes with it.
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import type { Target } from '../spec/target.js';
import type { OracleFactory } from '../fuzz/lockstep.js';
import { UsageError } from './args.js';
import { bundleForWorker } from '../fuzz/campaign/bundle.js';
import { resolvePlugin, type PluginModule } from '../fuzz/campaign/plugin.js';

export async function loadTarget(name: string, plugin?: string): Promise<{ target: Target; oracle: OracleFactory }> {
  if (plugin) {
    const file = path.resolve(plugin);
    // bundled like a worker's plugin so a .ts plugin loads without tsx in the way
    const mod = (await import(pathToFileURL(await bundleForWorker(file)).href)) as PluginModule;
    try {
      return resolvePlugin(mod, name, file);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  await import('../fuzz/targets.js');
  const { getTarget, targetNames } = await import('../spec/target.js');
  const { modelOracle } = await import('../fuzz/runner.js');
  const target = getTarget(name);
  if (!target) throw new UsageError(`no target named ${JSON.stringify(name)}; registered targets: ${targetNames().join(', ') || '(none)'}`);
  return { target, oracle: modelOracle };
}
