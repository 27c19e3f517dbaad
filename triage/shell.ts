// Commands printed for people to paste (repro lines in stdout, JUnit, HTML and Markdown): every
// argument quoted for a POSIX shell, so a file named `x$(touch PWNED).json` is a file name there,
// never a command.

/** `s` as one shell word: as is when it holds only safe characters, else in single quotes. */
export function shellQuote(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_./:=@%+,-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The `gicdiff repro` command line for a scenario or finding file. */
export function reproCommand(file: string, target?: string): string {
  return ['gicdiff', 'repro', file, ...(target ? ['--target', target] : [])].map(shellQuote).join(' ');
}
