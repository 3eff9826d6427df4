/*
 * proc_maps — the target's memory map (/proc/PID/maps).
 *
 * Parsed once at attach time into an array sorted by address (the kernel
 * already lists it so). Used to find which ELF file holds the interpreter
 * and its load address, and to reject pointers that point nowhere before
 * any read is attempted. Paths are as the target sees them; open them
 * through /proc/PID/root (proc_info) so containers work.
 */
#ifndef PYTOP_PROC_MAPS_H
#define PYTOP_PROC_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pytop/error.h"

struct pt_map {
    uint64_t start, end; /* [start, end) */
    uint64_t offset;     /* file offset of start */
    char perms[5];       /* "r-xp" */
    bool deleted;        /* the file was removed or replaced since mapping */
    char *path;          /* "" for anonymous mappings; "[heap]" etc. kept */
};

struct pt_maps {
    struct pt_map *v;
    size_t n;
};

/* Parse the text of a maps file. The result owns its memory. */
enum pt_err pt_maps_parse(const char *text, struct pt_maps *out);
/* Read and parse /proc/PID/maps. */
enum pt_err pt_maps_read(pid_t pid, struct pt_maps *out);
void pt_maps_free(struct pt_maps *maps);

/* The mapping containing addr, or NULL. */
const struct pt_map *pt_maps_find(const struct pt_maps *maps, uint64_t addr);
/* True when [addr, addr+len) lies in readable mappings. */
bool pt_maps_readable(const struct pt_maps *maps, uint64_t addr, size_t len);
/* Lowest start address of any mapping of path (the load base), or 0. */
uint64_t pt_maps_base(const struct pt_maps *maps, const char *path);

#endif
