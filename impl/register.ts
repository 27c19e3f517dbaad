// Side-effect module: registers the `kvm` target (import '../impl/register.js').
import { registerTarget } from '../spec/target.js';
import { kvmTarget } from './target.js';

registerTarget(kvmTarget);
