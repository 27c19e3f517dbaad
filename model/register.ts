// Side-effect module: registers the `model` target (spec/target.ts registry).
import { getTarget, registerTarget } from '../spec/target.js';
import { modelTarget } from './target.js';

if (getTarget(modelTarget.name) === undefined) registerTarget(modelTarget);
