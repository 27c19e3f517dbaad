// Side effect: makes the `qemu` and `kvm-hw` targets available through spec/target.ts.
import { registerTarget } from '../../spec/target.js';
import { kvmHwTarget, qemuTarget } from './target.js';

registerTarget(qemuTarget);
registerTarget(kvmHwTarget);
