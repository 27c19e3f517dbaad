// Where the example scenarios live: examples/ of this repository (each must validate and pass on
// every target that supports its ops).
import path from 'node:path';

export const EXAMPLES_DIR = path.resolve(__dirname, '../examples');
