// Where the shared reference material sits: `shared/` beside the repository (how CI checks a
// clone out), never an absolute path of one machine.
import path from 'node:path';

export const SHARED_EXAMPLES = path.resolve(__dirname, '../../shared/examples');
