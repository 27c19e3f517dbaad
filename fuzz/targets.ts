// Every target registers itself when its register module is imported; importing this module
// makes them all available to `getTarget` (spec/target.ts). Only fuzz/ sees both sides.
import '../model/register.js';
import '../impl/register.js';
import '../targets/qemu/register.js';
import '../targets/kvm-linux/register.js';
