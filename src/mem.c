/* mem — process_vm_readv and synthetic-image readers behind one interface. */
#include "pytop/mem.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

enum pt_err pt_mem_read(const struct pt_mem *mem, uint64_t addr, void *buf, size_t len)
{
    if (len == 0)
        return PT_OK;
    /* Address 0 and the wrap-around are never valid targets; refuse early so
     * every reader behaves the same on obviously bad pointers. */
    if (addr == 0 || addr + len < addr)
        return PT_EREAD;
    return mem->read(mem->ctx, addr, buf, len);
}

enum pt_err pt_mem_read_u64(const struct pt_mem *mem, uint64_t addr, uint64_t *out)
{
    return pt_mem_read(mem, addr, out, sizeof *out);
}

size_t pt_mem_readv(const struct pt_mem *mem, const struct pt_mem_piece *pieces, size_t n)
{
    if (mem->readv)
        return mem->readv(mem->ctx, pieces, n);
    size_t done = 0;
    while (done < n && pt_mem_read(mem, pieces[done].addr, pieces[done].buf, pieces[done].len) == PT_OK)
        done++;
    return done;
}

/* process_vm_readv takes at most IOV_MAX pieces per call. */
#define PIECES_PER_CALL 1024

static size_t proc_readv_some(pid_t pid, const struct pt_mem_piece *p, size_t n)
{
    struct iovec local[PIECES_PER_CALL], remote[PIECES_PER_CALL];
    if (n == 0 || n > PIECES_PER_CALL)
        return 0;
    for (size_t i = 0; i < n; i++) {
        local[i] = (struct iovec){p[i].buf, p[i].len};
        remote[i] = (struct iovec){(void *)(uintptr_t)p[i].addr, p[i].len};
    }
    ssize_t got = process_vm_readv(pid, local, n, remote, n, 0);
    if (got < 0)
        return 0;
    /* the kernel stops at the first piece it cannot read whole */
    size_t done = 0, bytes = (size_t)got;
    while (done < n && bytes >= p[done].len) {
        bytes -= p[done].len;
        done++;
    }
    return done;
}

static size_t proc_readv(void *ctx, const struct pt_mem_piece *pieces, size_t n)
{
    const struct pt_mem_proc *p = ctx;
    size_t done = 0;
    while (done < n) {
        size_t k = n - done < PIECES_PER_CALL ? n - done : PIECES_PER_CALL;
        size_t got = proc_readv_some(p->pid, pieces + done, k);
        done += got;
        if (got < k)
            break;
    }
    return done;
}

static enum pt_err proc_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    const struct pt_mem_proc *p = ctx;
    struct iovec local = {.iov_base = buf, .iov_len = len};
    struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};
    ssize_t got = process_vm_readv(p->pid, &local, 1, &remote, 1, 0);
    if (got == (ssize_t)len)
        return PT_OK;
    if (got >= 0)
        return PT_EREAD;
    switch (errno) {
    case ESRCH:
        return PT_EGONE;
    case EPERM:
        return PT_EPERM;
    case ENOMEM:
        return PT_ENOMEM;
    default:
        return PT_EREAD;
    }
}

void pt_mem_proc_init(struct pt_mem *mem, struct pt_mem_proc *ctx, pid_t pid)
{
    ctx->pid = pid;
    mem->read = proc_read;
    mem->readv = proc_readv;
    mem->ctx = ctx;
}

static enum pt_err image_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    const struct pt_mem_image *img = ctx;
    for (size_t i = 0; i < img->count; i++) {
        const struct pt_mem_span *s = &img->spans[i];
        if (addr >= s->addr && addr - s->addr <= s->len && len <= s->len - (addr - s->addr)) {
            memcpy(buf, (const char *)s->data + (addr - s->addr), len);
            return PT_OK;
        }
    }
    return PT_EREAD;
}

void pt_mem_image_init(struct pt_mem *mem, struct pt_mem_image *img)
{
    mem->read = image_read;
    mem->readv = NULL;
    mem->ctx = img;
}
