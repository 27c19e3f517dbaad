// Finding a target for a command: a registered one (fuzz/targets.ts), or one from a --plugin
// module (fuzz/campaign/plugin.ts; self-tests plug in targets with planted faults), with the
// oracle that goes with it.
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import type { Target } from '../spec/target.js';
import type { OracleFactory } from '../triage/lockstep.js';
import { UsageError } from './args.js';
import { readInputText, ValidationError } from '../spec/validate.js';
import { bundleForWorker } from '../fuzz/campaign/bundle.js';
import { resolvePlugin, type PluginModule } from '../fuzz/campaign/plugin.js';

/** Where the target's name came from when it was not an option: a finding's `target` field. */
export interface NameSource { file: string; jsonPath: string }

export async function loadTarget(name: string, plugin?: string, from?: NameSource): Promise<{ target: Target; oracle: OracleFactory }> {
  const unknown = (message: string): Error => (from ? new ValidationError(from.file, from.jsonPath, message) : new UsageError(message));
  if (plugin) {
    const file = path.resolve(plugin);
    readInputText(file); // a missing file, a folder or a FIFO: the same messages as any input
    let mod: PluginModule;
    try {
      // bundled like a worker's plugin so a .ts plugin loads without tsx in the way
      mod = (await import(pathToFileURL(await bundleForWorker(file)).href)) as PluginModule;
    } catch (e) {
      throw new ValidationError(file, '', `cannot load the plugin: ${((e as Error)?.message ?? String(e)).split('\n').slice(0, 4).join(' ')}`);
    }
    try {
      return resolvePlugin(mod, name, file);
    } catch (e) {
      throw unknown((e as Error).message);
    }
  }
  await import('../fuzz/targets.js');
  const { getTarget, targetNames } = await import('../spec/target.js');
  const { modelOracle } = await import('../triage/runner.js');
  const target = getTarget(name);
  if (!target) throw unknown(`no target named ${JSON.stringify(name)}; registered targets: ${targetNames().join(', ') || '(none)'}`);
  return { target, oracle: modelOracle };
}
