// Entry point of the `gicdiff` command (bin/gicdiff.mjs and `npm run gicdiff -- ...` start here).
import { cli } from './main.js';

cli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`gicdiff: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(3);
  },
);
