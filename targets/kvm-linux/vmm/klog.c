/* The kernel's log as the host needs it to call a run's kernel trouble (an oops, a WARN, an RCU
 * stall...) a finding: the records of /dev/kmsg at warning level or worse, read before a run (what
 * the previous run's VM teardown logged) and after it, and the taint mask. The serial console is
 * no substitute: the machine boots "quiet", so a WARN (KERN_WARNING) never reaches it, and its
 * text races the result frame. Records are kept in the log buffer whatever the console level. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vmm.h"

/* opened by the init before it forks a server: a server restarted after a crash reads on from
 * where the one before stopped (the file offset is shared), so the oops that killed it is seen */
static int kmsg_fd = -1;

void klog_open(void)
{
	if (kmsg_fd >= 0)
		return;
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	/* the boot's own messages are not a run's */
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
}

int klog_available(void)
{
	return kmsg_fd >= 0;
}

unsigned long klog_taint(void)
{
	char buf[32] = { 0 };
	int fd = open("/proc/sys/kernel/tainted", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtoul(buf, NULL, 10) : 0;
}

/* Appends "<tag> <level> <message>\n" for each new record at KERN_WARNING (4) or worse to *out
 * (grown as needed, at most KLOG_MAX bytes; later records are counted, not kept). */
#define KLOG_MAX (48u << 10)
void klog_collect(char tag, char **out, u32 *len)
{
	char rec[8192];
	unsigned skipped = 0, lost = 0;
	if (kmsg_fd < 0)
		return;
	for (;;) {
		ssize_t n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE) { /* overwritten before we read it: read on */
			lost++;
			continue;
		}
		if (n <= 0)
			break;
		rec[n] = 0;
		/* "prio,seq,usec,flags[,...];message\n" then " KEY=value" dictionary lines */
		char *semi = strchr(rec, ';');
		if (!semi)
			continue;
		unsigned level = (unsigned)strtoul(rec, NULL, 10) & 7;
		if (level > 4)
			continue;
		char *msg = semi + 1;
		msg[strcspn(msg, "\n")] = 0;
		size_t need = strlen(msg) + 8;
		if (*len + need > KLOG_MAX) {
			skipped++;
			continue;
		}
		char *grown = realloc(*out, *len + need + 1);
		if (!grown)
			break;
		*out = grown;
		/* the kernel escapes unprintable bytes itself (\xNN) */
		*len += (u32)snprintf(*out + *len, need + 1, "%c %u %s\n", tag, level, msg);
	}
	if (skipped || lost) {
		char note[96];
		int m = snprintf(note, sizeof(note), "%c 4 gicdiff-vmm: %u records past the limit, %u overwritten before read\n", tag, skipped, lost);
		char *grown = realloc(*out, *len + (u32)m + 1);
		if (grown) {
			*out = grown;
			memcpy(*out + *len, note, (size_t)m + 1);
			*len += (u32)m;
		}
	}
}

/* Test hooks (the host's tests only, struct run_request flags): put a record into the kernel's
 * log, set a taint bit, or press a magic SysRq key, as the kernel would see them from a driver. */
void klog_test_hooks(u32 flags, const u8 *text, u32 len)
{
	char *t = malloc(len + 1);
	if (!t)
		return;
	memcpy(t, text, len);
	t[len] = 0;
	if (flags & RUN_TEST_KMSG) {
		/* one record per line, a "<N>" prefix gives its level; opened for each line, since the
		 * kernel rate-limits the writes of one open file (devkmsg_write: 10 in 5 s) */
		for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
			int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
			if (fd < 0)
				break;
			/* with its newline: a record without one stays open for a continuation, and readers
			 * do not see it until the next record closes it */
			size_t n = strlen(line);
			line[n] = '\n';
			if (write(fd, line, n + 1) < 0) { /* reported by the log staying quiet */ }
			line[n] = 0;
			close(fd);
		}
	} else if (flags & RUN_TEST_TAINT) {
		int fd = open("/proc/sys/kernel/tainted", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, t, strlen(t)) < 0) { /* reported by the taint not changing */ }
			close(fd);
		}
	} else if (flags & RUN_TEST_SYSRQ) {
		int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, t, 1) < 0) { /* reported by the log staying quiet */ }
			close(fd);
		}
	}
	free(t);
}
