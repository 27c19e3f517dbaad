// Linux errno values (include/uapi/asm-generic/errno-base.h and errno.h) that the KVM ABI returns,
// negated, and scenario results carry: one table for the model and the implementation.
export const ENOENT = 2;
export const ENXIO = 6;
/** EAGAIN */
export const EWOULDBLOCK = 11;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
