// gicdiff validate FILE... : schema and config checks of scenario files.
import { formatOptions, parseArgs, UsageError, type OptionsSpec } from '../args.js';
import { loadScenarioFile, ValidationError } from '../../spec/validate.js';

const OPTIONS: OptionsSpec = {
  quiet: { type: 'boolean', alias: 'q', description: 'print only the files that are invalid' },
};

export const summary = 'check scenario files against the scenario format';
export const help = `usage: gicdiff validate FILE... [options]

Checks each scenario file against spec/schema/scenario.schema.json and its config (vCPU, ITS and
redistributor indexes, the forms of kvm.irq_line). Prints "ok FILE" or the file, the JSON path and
what is wrong. Exit 0 when every file is valid, 2 otherwise.

options:
${formatOptions(OPTIONS)}`;

export async function main(argv: string[]): Promise<number> {
  const { options, positional } = parseArgs(argv, OPTIONS);
  if (positional.length === 0) throw new UsageError('give at least one scenario file');
  let bad = 0;
  for (const file of positional) {
    try {
      const s = loadScenarioFile(file);
      if (!options.quiet) process.stdout.write(`ok ${file} (${s.name}, ${s.ops.length} ops)\n`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      bad++;
      process.stdout.write(`invalid ${e.message}\n`);
    }
  }
  return bad > 0 ? 2 : 0;
}
