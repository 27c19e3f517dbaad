// The gicdiff command line: `gicdiff <command> [options]`. Each command lives in
// cli/commands/<command>.ts and exports `summary`, `help` and `main(argv) -> exit code`.
// Exit codes (the contract, README "Exit codes"): 0 ok, 1 a divergence or failed expectation,
// 2 bad input or environment (a message naming the file and JSON path, no stack), and
// EXIT_INTERNAL for a bug in gicdiff itself (a short message; the stack with --debug).
import { UsageError } from './args.js';
import { ValidationError } from '../spec/validate.js';

export interface CommandModule {
  summary: string;
  help: string;
  main(argv: string[]): Promise<number>;
}

/**
 * A bug in gicdiff, not in the input or the target. Above 127 so that `git bisect run` stops
 * instead of marking the commit bad (1-127 but 125 mean "bad"; 128-255 abort the bisection).
 */
export const EXIT_INTERNAL = 255;

/** Every command, in the order `gicdiff --help` lists them. */
export const COMMANDS = ['run', 'validate', 'expand', 'fuzz', 'repro', 'minimize', 'merge', 'conformance', 'compare', 'report', 'selftest'] as const;
export type CommandName = (typeof COMMANDS)[number];

export async function loadCommand(name: CommandName): Promise<CommandModule> {
  return (await import(`./commands/${name}.js`)) as CommandModule;
}

function isCommand(name: string): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name);
}

async function usage(): Promise<string> {
  const lines = ['usage: gicdiff <command> [options]   (gicdiff <command> --help for its options; --debug: the stack of a crash)', '', 'commands:'];
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

/** A file-system error (it names its path): bad input or environment, not a bug. */
function fileSystemError(e: unknown): NodeJS.ErrnoException | null {
  // duck-typed: errors of node's own modules may come from another realm (vm contexts, jest)
  const x = e as NodeJS.ErrnoException | null;
  return typeof x === 'object' && x !== null && typeof x.code === 'string' && typeof x.syscall === 'string' ? x : null;
}

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder', EACCES: 'permission denied', EPERM: 'operation not permitted', EISDIR: 'is a directory',
  ENOTDIR: 'a component of the path is not a directory (or a file is where a folder is needed)', EEXIST: 'already exists',
  ENOSPC: 'no space left on the device', EROFS: 'read-only file system', ENOTEMPTY: 'folder not empty', EMFILE: 'too many open files',
  ENAMETOOLONG: 'the path is too long', ELOOP: 'too many symbolic links',
};

function describeFileSystemError(e: NodeJS.ErrnoException): string {
  const reason = e.code === 'EEXIST' && e.syscall === 'mkdir' ? 'a file is in the way of this folder'
    : Object.prototype.hasOwnProperty.call(FS_REASONS, e.code!) ? FS_REASONS[e.code!] : e.code;
  const dest = (e as { dest?: string }).dest;
  const where = e.path ? `${e.path}${dest ? ` -> ${dest}` : ''}` : '(no path)';
  return `${where}: ${reason} (${e.syscall})`;
}

export async function cli(argv: string[]): Promise<number> {
  const dash = argv.indexOf('--');
  const head = dash < 0 ? argv : argv.slice(0, dash);
  const debug = head.includes('--debug') || process.env.GICDIFF_DEBUG === '1';
  const args = [...head.filter((a) => a !== '--debug'), ...(dash < 0 ? [] : argv.slice(dash))];
  const [name, ...rest] = args;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const which = name === 'help' ? rest[0] : undefined;
      if (which !== undefined && isCommand(which)) {
        process.stdout.write((await loadCommand(which)).help + '\n');
        return 0;
      }
      process.stdout.write((await usage()) + '\n');
      return name === undefined ? 2 : 0;
    }
    if (!isCommand(name)) {
      process.stderr.write(`gicdiff: unknown command ${JSON.stringify(name)}\n${await usage()}\n`);
      return 2;
    }
    const command = await loadCommand(name);
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(command.help + '\n');
      return 0;
    }
    return await command.main(rest);
  } catch (e) {
    return reportError(name ?? '', e, debug);
  }
}

/** The exit code and message for anything a command threw. */
export function reportError(name: string, e: unknown, debug: boolean): number {
  const who = name ? `gicdiff ${name}` : 'gicdiff';
  if (e instanceof UsageError) {
    process.stderr.write(`${who}: ${e.message}\n(${who} --help for usage)\n`);
    return 2;
  }
  if (e instanceof ValidationError) {
    process.stderr.write(`${who}: invalid input: ${e.message}\n`);
    return 2;
  }
  const fsError = fileSystemError(e);
  if (fsError) {
    process.stderr.write(`${who}: ${describeFileSystemError(fsError)}\n`);
    return 2;
  }
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  process.stderr.write(`${who}: internal error: ${what.split('\n')[0]!.slice(0, 500)}\n` +
    `This is a bug in gicdiff: please report it with the command line and its input files` +
    (debug ? '.\n' + ((e as Error)?.stack ?? '') + '\n' : ` (run it again with --debug for the stack).\n`));
  return EXIT_INTERNAL;
}
