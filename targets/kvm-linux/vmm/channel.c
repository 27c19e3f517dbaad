/* Frames between the host and the VMM over a byte stream (the nested machine's virtio console
 * port, or pipes on a real arm64 host): struct frame_header, then `length` payload bytes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vmm.h"

/* frames above this are a broken stream, not a request */
#define FRAME_MAX (64u << 20)

static int read_full(int fd, void *buf, size_t n)
{
	u8 *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
	const u8 *p = buf;
	while (n) {
		ssize_t r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Reads one frame; skips bytes until the magic (a host that restarted mid-frame). Returns 0, or
 * -1 when the stream ended. *payload is malloc'ed (the caller frees it). */
int channel_read_frame(int fd, struct frame_header *h, u8 **payload)
{
	u32 window = 0;
	u8 b;
	for (;;) {
		if (read_full(fd, &b, 1))
			return -1;
		window = (window >> 8) | ((u32)b << 24);
		if (window == FRAME_MAGIC)
			break;
	}
	h->magic = FRAME_MAGIC;
	if (read_full(fd, &h->type, 12))
		return -1;
	if (h->length > FRAME_MAX)
		return channel_read_frame(fd, h, payload);
	*payload = malloc(h->length + 1);
	if (!*payload)
		return -1;
	if (read_full(fd, *payload, h->length)) {
		free(*payload);
		return -1;
	}
	(*payload)[h->length] = 0;
	return 0;
}

int channel_write_frame(int fd, u32 type, u32 seq, const void *a, u32 alen, const void *b, u32 blen)
{
	struct frame_header h = { FRAME_MAGIC, type, alen + blen, seq };
	if (write_full(fd, &h, sizeof(h)))
		return -1;
	if (alen && write_full(fd, a, alen))
		return -1;
	if (blen && write_full(fd, b, blen))
		return -1;
	return 0;
}
