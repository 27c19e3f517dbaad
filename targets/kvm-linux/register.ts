// Side effect: makes the `kvm-linux` and `kvm-linux-6.1` targets available through spec/target.ts.
import { registerTarget } from '../../spec/target.js';
import { kvmLinux61Target, kvmLinuxTarget } from './target.js';

registerTarget(kvmLinuxTarget);
registerTarget(kvmLinux61Target);
