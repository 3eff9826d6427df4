/* proc_maps — parse /proc/PID/maps and answer "is this address mapped?". */
#include "pytop/proc_maps.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pytop/util.h"

static const char deleted_suffix[] = " (deleted)";

/* One line: "start-end perms offset dev inode   path". */
static bool parse_line(const char *line, size_t len, struct pt_map *m)
{
    char buf[4096 + 256];
    if (len >= sizeof buf)
        len = sizeof buf - 1;
    memcpy(buf, line, len);
    buf[len] = '\0';

    unsigned long long start, end, off;
    char perms[5];
    int path_at = 0;
    if (sscanf(buf, "%llx-%llx %4s %llx %*s %*s %n", &start, &end, perms, &off, &path_at) < 4)
        return false;
    if (end <= start)
        return false;
    char *path = path_at > 0 ? buf + path_at : buf + len;
    size_t plen = strlen(path);
    size_t slen = sizeof deleted_suffix - 1;
    m->deleted = plen > slen && strcmp(path + plen - slen, deleted_suffix) == 0;
    if (m->deleted)
        path[plen - slen] = '\0';
    m->path = strdup(path);
    if (!m->path)
        return false;
    m->start = start;
    m->end = end;
    m->offset = off;
    memcpy(m->perms, perms, sizeof m->perms);
    return true;
}

enum pt_err pt_maps_parse(const char *text, struct pt_maps *out)
{
    out->v = NULL;
    out->n = 0;
    size_t cap = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (out->n == cap) {
            cap = cap ? cap * 2 : 64;
            struct pt_map *v = realloc(out->v, cap * sizeof *v);
            if (!v) {
                pt_maps_free(out);
                return PT_ENOMEM;
            }
            out->v = v;
        }
        if (len > 0 && parse_line(p, len, &out->v[out->n]))
            out->n++;
        p += len + (nl ? 1 : 0);
    }
    return PT_OK;
}

enum pt_err pt_maps_read(pid_t pid, struct pt_maps *out)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    char *text = NULL;
    enum pt_err err = pt_read_file(path, &text, NULL);
    if (err != PT_OK)
        return err;
    err = pt_maps_parse(text, out);
    free(text);
    return err;
}

void pt_maps_free(struct pt_maps *maps)
{
    for (size_t i = 0; i < maps->n; i++)
        free(maps->v[i].path);
    free(maps->v);
    maps->v = NULL;
    maps->n = 0;
}

const struct pt_map *pt_maps_find(const struct pt_maps *maps, uint64_t addr)
{
    size_t lo = 0, hi = maps->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct pt_map *m = &maps->v[mid];
        if (addr < m->start)
            hi = mid;
        else if (addr >= m->end)
            lo = mid + 1;
        else
            return m;
    }
    return NULL;
}

bool pt_maps_readable(const struct pt_maps *maps, uint64_t addr, size_t len)
{
    uint64_t end = addr + len;
    if (end < addr)
        return false;
    while (addr < end) {
        const struct pt_map *m = pt_maps_find(maps, addr);
        if (!m || m->perms[0] != 'r')
            return false;
        addr = m->end;
    }
    return true;
}

uint64_t pt_maps_base(const struct pt_maps *maps, const char *path)
{
    uint64_t base = 0;
    for (size_t i = 0; i < maps->n; i++)
        if (strcmp(maps->v[i].path, path) == 0 && (base == 0 || maps->v[i].start < base))
            base = maps->v[i].start;
    return base;
}
