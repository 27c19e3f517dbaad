/* The VMM's entry: as the nested machine's init (PID 1) it mounts devtmpfs, loads the kernel
 * modules the channel needs, and keeps a server process running on the virtio console port named
 * "gicdiff" (a server that crashes is reported and restarted); with --stdio it serves one host on
 * stdin/stdout (a real arm64 host with /dev/kvm). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "vmm.h"

const char *agent_path = "/agent.elf";

static void say(const char *fmt, const char *arg)
{
	fprintf(stderr, "gicdiff-vmm: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
}

/* kernel modules listed in /modules.load, in load order (the channel's drivers where the kernel
 * has them as modules) */
static void load_modules(void)
{
	FILE *f = fopen("/modules.load", "r");
	char line[512];
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!line[0])
			continue;
		int fd = open(line, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			say("cannot open module %s", line);
			continue;
		}
		if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
			say("cannot load module %s", line);
		close(fd);
	}
	fclose(f);
}

/* /dev/vportNpM of the virtio console port named "gicdiff" */
static int open_port(void)
{
	for (int tries = 0; tries < 200; tries++) {
		DIR *d = opendir("/sys/class/virtio-ports");
		struct dirent *e;
		while (d && (e = readdir(d))) {
			char p[512], name[64] = { 0 };
			snprintf(p, sizeof(p), "/sys/class/virtio-ports/%s/name", e->d_name);
			FILE *f = fopen(p, "r");
			if (!f)
				continue;
			if (fgets(name, sizeof(name), f) && strncmp(name, "gicdiff", 7) == 0) {
				fclose(f);
				snprintf(p, sizeof(p), "/dev/%s", e->d_name);
				closedir(d);
				int fd = open(p, O_RDWR | O_CLOEXEC);
				if (fd < 0)
					say("cannot open %s", p);
				return fd;
			}
			fclose(f);
		}
		if (d)
			closedir(d);
		usleep(50000);
	}
	say("no virtio console port named %s", "gicdiff");
	return -1;
}

/* What KVM said about GICv4 at boot (vgic_v3_probe: "GICv4 support enabled", "GICv4.1 ..."),
 * read from the kernel's log buffer (the console is quiet), or "none". */
static void kvm_gicv4_line(char *out, size_t size)
{
	snprintf(out, size, "none");
	int n = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	if (n <= 0)
		return;
	char *buf = malloc((size_t)n + 1);
	if (!buf)
		return;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, n);
	if (n > 0) {
		buf[n] = 0;
		char *at = strstr(buf, "kvm [");
		for (; at; at = strstr(at + 1, "kvm [")) {
			char *end = strchr(at, '\n');
			char *v4 = strstr(at, "]: GICv4");
			if (v4 && (!end || v4 < end)) {
				v4 += 3;
				size_t len = end ? (size_t)(end - v4) : strlen(v4);
				snprintf(out, size, "%.*s", (int)(len < size - 1 ? len : size - 1), v4);
				break;
			}
		}
	}
	free(buf);
}

static int serve(int in, int out)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	struct utsname u;
	uname(&u);
	char hello[768], gicv4[128];
	int api = kvm >= 0 ? ioctl(kvm, KVM_GET_API_VERSION, 0) : -1;
	const char *kvm_state = kvm >= 0 ? "ok" : strerror(errno);
	kvm_gicv4_line(gicv4, sizeof(gicv4));
	klog_open();
	unsigned long taint = klog_taint();
	snprintf(hello, sizeof(hello), "kernel %s\nmachine %s\napi %d\nprotocol %d\nkvm %s\ngicv4 %s\nklog %s\ntaint %lu\n", u.release,
		 u.machine, api, VMM_PROTOCOL, kvm_state, gicv4, klog_available() ? "ok" : "none", taint);
	if (channel_write_frame(out, FRAME_HELLO, 0, hello, (u32)strlen(hello), NULL, 0))
		return 1;
	for (;;) {
		struct frame_header h;
		u8 *p;
		if (channel_read_frame(in, &h, &p))
			return 0;
		if (h.type != FRAME_RUN || h.length < sizeof(struct run_request)) {
			free(p);
			continue;
		}
		struct run_request req;
		memcpy(&req, p, sizeof(req));
		struct run_result res = { 0 };
		char *text = NULL, *klog = NULL;
		u32 klog_len = 0;
		/* what the kernel logged since the last run: the teardown of its VM */
		klog_collect('B', &klog, &klog_len);
		if (kvm < 0) {
			res.status = RUN_VMM_ERROR;
			text = strdup("E vmm: /dev/kvm cannot be opened\n");
			res.text_len = (u32)strlen(text);
		} else if ((u64)sizeof(req) + req.ops_len + req.host_len + req.test_len > h.length) {
			res.status = RUN_VMM_ERROR;
			text = strdup("E vmm: run request shorter than its header says\n");
			res.text_len = (u32)strlen(text);
		} else {
			struct timespec t0, t1;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			const u8 *ops = p + sizeof(req);
			/* the host-op table is read as u64 words: give it its own aligned copy */
			u64 *host = malloc(req.host_len + 8);
			memcpy(host, ops + req.ops_len, req.host_len);
			res.status = (u32)vm_run_scenario(kvm, &req, ops, (const u8 *)host, &text, &res.text_len, &res);
			free(host);
			if (req.flags)
				klog_test_hooks(req.flags, ops + req.ops_len + req.host_len, req.test_len);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			res.ms = (u32)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
		}
		klog_collect('D', &klog, &klog_len);
		unsigned long now = klog_taint();
		int w = 0;
		if (klog_len || now != taint) {
			char head[40];
			int hl = snprintf(head, sizeof(head), "taint %lu\n", now);
			w = channel_write_frame(out, FRAME_KLOG, h.seq, head, (u32)hl, klog, klog_len);
			taint = now;
		}
		free(klog);
		if (!w)
			w = channel_write_frame(out, FRAME_RESULT, h.seq, &res, sizeof(res), text, res.text_len + res.stats_len);
		free(text);
		free(p);
		if (w)
			return 1;
		vm_reap();
	}
}

static void raw_mode(int fd)
{
	struct termios t;
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
}

static void as_init(void)
{
	mkdir("/dev", 0755);
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	int con = open("/dev/console", O_RDWR);
	if (con >= 0) {
		dup2(con, 2);
		if (con > 2)
			close(con);
	}
	load_modules();
	int port = open_port();
	if (port < 0) {
		fprintf(stderr, "gicdiff-vmm: FATAL no channel to the host\n");
		for (;;)
			pause();
	}
	raw_mode(port);
	klog_open();
	fprintf(stderr, "gicdiff-vmm: ready\n");
	for (unsigned crashes = 0;; crashes++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(serve(port, port));
		int st = 0;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		char note[128];
		if (WIFSIGNALED(st))
			snprintf(note, sizeof(note), "vmm server died of signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
		else
			snprintf(note, sizeof(note), "vmm server exited with status %d", WEXITSTATUS(st));
		fprintf(stderr, "gicdiff-vmm: %s\n", note);
		channel_write_frame(port, FRAME_NOTE, 0, note, (u32)strlen(note), NULL, 0);
		if (crashes > 1000)
			for (;;)
				pause();
	}
}

int main(int argc, char **argv)
{
	int stdio = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--stdio"))
			stdio = 1;
		else if (!strcmp(argv[i], "--agent") && i + 1 < argc)
			agent_path = argv[++i];
		else if (getpid() != 1) {
			fprintf(stderr, "usage: gicdiff-vmm --stdio [--agent AGENT.elf]\n"
					"  (as PID 1 of the nested machine it serves the virtio port \"gicdiff\")\n");
			return 2;
		}
	}
	if (getpid() == 1) {
		as_init();
		return 0;
	}
	if (!stdio) {
		fprintf(stderr, "usage: gicdiff-vmm --stdio [--agent AGENT.elf]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	return serve(0, 1);
}
