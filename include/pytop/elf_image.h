/*
 * elf_image — symbols, sections and static bytes of an ELF file on disk.
 *
 * Opened once at attach time (never on the hot path). Lookups return
 * link-time virtual addresses; the caller adds the load bias. Symbol
 * lookup searches .dynsym first (it survives stripping), then .symtab.
 * read_vaddr maps a virtual address through the PT_LOAD headers to file
 * bytes, so initialised data (Py_Version, _Py_DebugOffsets) can be read
 * without touching the process.
 */
#ifndef PYTOP_ELF_IMAGE_H
#define PYTOP_ELF_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pytop/error.h"

struct pt_elf;

struct pt_elf_section {
    uint64_t addr, size, offset;
    bool nobits; /* .bss-like: no bytes in the file */
};

/* PT_EPERM when the file may not be opened, PT_EIO when it cannot be,
 * PT_ENOTPY when it is not a 64-bit ELF file. */
enum pt_err pt_elf_open(const char *path, struct pt_elf **out);
void pt_elf_close(struct pt_elf *elf);

/* ET_DYN (shared object / PIE) needs a load bias; ET_EXEC does not. */
bool pt_elf_is_dyn(const struct pt_elf *elf);
/* Lowest p_vaddr of the PT_LOAD segments (page-aligned down). */
uint64_t pt_elf_min_vaddr(const struct pt_elf *elf);

/* Symbol value (and size, may be NULL). False if absent. */
bool pt_elf_symbol(const struct pt_elf *elf, const char *name, uint64_t *value, uint64_t *size);
bool pt_elf_section(const struct pt_elf *elf, const char *name, struct pt_elf_section *out);

/* Copy len bytes of the file image at virtual address vaddr. Bytes of a
 * segment beyond its file size (.bss) read as zero. */
enum pt_err pt_elf_read_vaddr(const struct pt_elf *elf, uint64_t vaddr, void *buf, size_t len);

/* Call fn for each NUL-terminated string of at least min_len printable
 * bytes in section name; stop when fn returns true. */
bool pt_elf_each_string(const struct pt_elf *elf, const char *section, size_t min_len,
                        bool (*fn)(const char *s, size_t len, void *arg), void *arg);

#endif
