// Entry point of the `gicdiff` command (bin/gicdiff.mjs and `npm run gicdiff -- ...` start here).
// cli() turns every error into an exit code; what escapes it (an error in a callback after the
// command returned) is still an internal error with the same short message.
import { cli, reportError } from './main.js';

const argv = process.argv.slice(2);
const debug = argv.includes('--debug') || process.env.GICDIFF_DEBUG === '1';
const command = argv.find((a) => !a.startsWith('-')) ?? '';
const fail = (e: unknown): void => process.exit(reportError(command, e, debug));
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

cli(argv).then((code) => process.exit(code), fail);
