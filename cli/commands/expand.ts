// gicdiff expand FILE : print the primitive ops a scenario expands to.
import { formatOptions, parseArgs, UsageError, type OptionsSpec } from '../args.js';
import { loadScenarioFile } from '../../spec/validate.js';
import { expandScenario } from '../../spec/expand.js';

const OPTIONS: OptionsSpec = {
  json: { type: 'boolean', description: 'print the expanded scenario as JSON (a valid scenario file)' },
};

export const summary = 'print the primitive ops a scenario expands to (macros such as boot expanded)';
export const help = `usage: gicdiff expand FILE [options]

Expands every macro op (boot) into the primitive ops targets run, and prints them one per line
with their index and the index of the op they came from, or, with --json, as a scenario file.

options:
${formatOptions(OPTIONS)}`;

export async function main(argv: string[]): Promise<number> {
  const { options, positional } = parseArgs(argv, OPTIONS);
  if (positional.length !== 1) throw new UsageError('give exactly one scenario file');
  const scenario = loadScenarioFile(positional[0]!);
  const expanded = expandScenario(scenario);
  if (options.json) {
    const out = { ...scenario, ops: expanded.ops };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return 0;
  }
  const width = String(expanded.ops.length).length;
  expanded.ops.forEach((op, i) => {
    process.stdout.write(`${String(i).padStart(width)} [${expanded.origin[i]}] ${JSON.stringify(op)}\n`);
  });
  return 0;
}
