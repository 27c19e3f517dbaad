#!/usr/bin/env node
// Runs the TypeScript CLI from source through tsx's loader (npm link / npx gicdiff).
import { register } from 'tsx/esm/api';
register();
await import('../cli/gicdiff.ts');
