// Campaign worker thread entry (bundled by fuzz/campaign/bundle.ts). Messages: fuzz/campaign/protocol.ts.
// Work is handled strictly in order; a minimization runs between two batches.
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';
import { resolvePlugin, type PluginModule } from './plugin.js';
import { WorkerCore } from './worker-core.js';
import { BranchCoverage } from './branch-coverage.js';
import { errorMessage } from '../../triage/lockstep.js';
import { pathToFileURL } from 'node:url';

const port = parentPort!;
const init = workerData as WorkerInit;
const send = (m: FromWorker): void => port.postMessage(m);

const queue: ToWorker[] = [];
let core: WorkerCore | null = null;
let busy = false;
let stopping = false;

async function pump(): Promise<void> {
  if (busy || !core) return;
  busy = true;
  try {
    while (queue.length && !stopping) {
      const m = queue.shift()!;
      if (m.type === 'stop') break;
      if (m.type === 'batch') {
        // one message per scenario: a finding is written the moment its scenario ends
        for (const item of m.items) {
          let r;
          try {
            r = await core.runItem(item, (scenario) => send({ type: 'start', index: item.index, id: item.id, scenario }));
          } catch (e) {
            // a gicdiff bug, not the target's (that is caught in the runner): say which scenario, so it can be replayed
            throw new Error(`scenario ${item.id} (index ${item.index}): ${errorMessage(e)}`);
          }
          send({ type: 'results', results: [r] });
        }
      } else {
        const t0 = Date.now();
        send({ type: 'start', signature: m.signature });
        try {
          const r = await core.minimize(m.signature, m.scenario, m.budget, m.keepNew === true);
          const c = await core.classify(r.scenario);
          send({ type: 'minimized', signature: m.signature, scenario: r.scenario, runs: r.runs, ms: Date.now() - t0, ...(r.cut ? { cut: true as const } : {}), ...(c ? { classification: c.classification, quirks: c.quirks } : {}) });
        } catch (e) {
          send({ type: 'minimize-failed', signature: m.signature, message: errorMessage(e) });
        }
      }
    }
  } catch (e) {
    send({ type: 'fatal', message: errorMessage(e) });
  } finally {
    busy = false;
  }
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'stop') {
    stopping = true;
    return;
  }
  queue.push(m);
  void pump();
});

try {
  const mod = (await import(pathToFileURL(init.pluginBundle).href)) as PluginModule;
  core = new WorkerCore(init, resolvePlugin(mod, init.target, init.pluginFile), init.branchCoverage ? new BranchCoverage(init.pluginBundle) : undefined);
  send({ type: 'ready' });
  void pump();
} catch (e) {
  send({ type: 'fatal', message: errorMessage(e) });
}
