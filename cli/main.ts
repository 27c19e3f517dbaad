// The gicdiff command line: `gicdiff <command> [options]`. Each command lives in
// cli/commands/<command>.ts and exports `summary`, `help` and `main(argv) -> exit code`.
// Exit codes: 0 ok, 1 a divergence or failed expectation, 2 bad input (with a message, no stack).
import { UsageError } from './args.js';
import { ValidationError } from '../spec/validate.js';

export interface CommandModule {
  summary: string;
  help: string;
  main(argv: string[]): Promise<number>;
}

/** Every command, in the order `gicdiff --help` lists them. */
export const COMMANDS = ['run', 'validate', 'expand', 'fuzz', 'repro', 'minimize', 'merge', 'conformance', 'compare', 'report', 'selftest'] as const;
export type CommandName = (typeof COMMANDS)[number];

export async function loadCommand(name: CommandName): Promise<CommandModule> {
  return (await import(`./commands/${name}.js`)) as CommandModule;
}

async function usage(): Promise<string> {
  const lines = ['usage: gicdiff <command> [options]   (gicdiff <command> --help for its options)', '', 'commands:'];
  for (const name of COMMANDS) {
    let summary: string;
    try {
      summary = (await loadCommand(name)).summary;
    } catch {
      summary = '(not available in this build)';
    }
    lines.push(`  ${name.padEnd(12)} ${summary}`);
  }
  return lines.join('\n');
}

export async function cli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const which = name === 'help' ? rest[0] : undefined;
    if (which && (COMMANDS as readonly string[]).includes(which)) {
      process.stdout.write((await loadCommand(which as CommandName)).help + '\n');
      return 0;
    }
    process.stdout.write((await usage()) + '\n');
    return name === undefined ? 2 : 0;
  }
  if (!(COMMANDS as readonly string[]).includes(name)) {
    process.stderr.write(`gicdiff: unknown command ${JSON.stringify(name)}\n${await usage()}\n`);
    return 2;
  }
  const command = await loadCommand(name as CommandName);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help + '\n');
    return 0;
  }
  try {
    return await command.main(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`gicdiff ${name}: ${e.message}\n(gicdiff ${name} --help for usage)\n`);
      return 2;
    }
    if (e instanceof ValidationError) {
      process.stderr.write(`gicdiff ${name}: invalid input: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
