/* migrate: not carried out by this VMM yet; the host side reports it unsupported, so reaching
 * this is the host's mistake and ends the run with an error naming the op. */
#include "vmm.h"

void migrate(struct vm *vm, struct vcpu *self, u64 result_index)
{
	(void)self;
	(void)result_index;
	vm_fail(vm, "migrate is not supported by this VMM");
}
