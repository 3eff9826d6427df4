/* elf_image — libelf lookups on the interpreter's ELF file. */
#include "pytop/elf_image.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pt_elf {
    int fd;
    Elf *elf;
    GElf_Ehdr ehdr;
    size_t shstrndx;
    const char *image; /* whole file, from elf_rawfile */
    size_t image_len;
};

enum pt_err pt_elf_open(const char *path, struct pt_elf **out)
{
    if (elf_version(EV_CURRENT) == EV_NONE)
        return PT_EIO;
    struct pt_elf *e = calloc(1, sizeof *e);
    if (!e)
        return PT_ENOMEM;
    e->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (e->fd < 0) {
        int err = errno;
        free(e);
        return err == EACCES || err == EPERM ? PT_EPERM : PT_EIO;
    }
    e->elf = elf_begin(e->fd, ELF_C_READ_MMAP, NULL);
    if (!e->elf || elf_kind(e->elf) != ELF_K_ELF || !gelf_getehdr(e->elf, &e->ehdr) ||
        e->ehdr.e_ident[EI_CLASS] != ELFCLASS64 || elf_getshdrstrndx(e->elf, &e->shstrndx) != 0) {
        pt_elf_close(e);
        return PT_ENOTPY;
    }
    e->image = elf_rawfile(e->elf, &e->image_len);
    if (!e->image) {
        pt_elf_close(e);
        return PT_EIO;
    }
    *out = e;
    return PT_OK;
}

void pt_elf_close(struct pt_elf *e)
{
    if (!e)
        return;
    if (e->elf)
        elf_end(e->elf);
    if (e->fd >= 0)
        close(e->fd);
    free(e);
}

bool pt_elf_is_dyn(const struct pt_elf *e) { return e->ehdr.e_type == ET_DYN; }

uint64_t pt_elf_min_vaddr(const struct pt_elf *e)
{
    uint64_t min = UINT64_MAX;
    for (size_t i = 0; i < e->ehdr.e_phnum; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(e->elf, (int)i, &ph) && ph.p_type == PT_LOAD && ph.p_vaddr < min)
            min = ph.p_vaddr;
    }
    return min == UINT64_MAX ? 0 : min & ~(uint64_t)0xfff;
}

static bool find_in_symtab(const struct pt_elf *e, Elf64_Word type, const char *name,
                           uint64_t *value, uint64_t *size)
{
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(e->elf, scn))) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != type || sh.sh_entsize == 0)
            continue;
        Elf_Data *data = elf_getdata(scn, NULL);
        if (!data)
            continue;
        size_t count = sh.sh_size / sh.sh_entsize;
        for (size_t i = 0; i < count; i++) {
            GElf_Sym sym;
            if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF)
                continue;
            const char *s = elf_strptr(e->elf, sh.sh_link, sym.st_name);
            if (s && strcmp(s, name) == 0) {
                *value = sym.st_value;
                if (size)
                    *size = sym.st_size;
                return true;
            }
        }
    }
    return false;
}

bool pt_elf_symbol(const struct pt_elf *e, const char *name, uint64_t *value, uint64_t *size)
{
    return find_in_symtab(e, SHT_DYNSYM, name, value, size) ||
           find_in_symtab(e, SHT_SYMTAB, name, value, size);
}

bool pt_elf_section(const struct pt_elf *e, const char *name, struct pt_elf_section *out)
{
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(e->elf, scn))) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh))
            continue;
        const char *s = elf_strptr(e->elf, e->shstrndx, sh.sh_name);
        if (s && strcmp(s, name) == 0) {
            out->addr = sh.sh_addr;
            out->size = sh.sh_size;
            out->offset = sh.sh_offset;
            out->nobits = sh.sh_type == SHT_NOBITS;
            return true;
        }
    }
    return false;
}

enum pt_err pt_elf_read_vaddr(const struct pt_elf *e, uint64_t vaddr, void *buf, size_t len)
{
    for (size_t i = 0; i < e->ehdr.e_phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(e->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
            continue;
        if (vaddr < ph.p_vaddr || vaddr - ph.p_vaddr > ph.p_memsz ||
            len > ph.p_memsz - (vaddr - ph.p_vaddr))
            continue;
        uint64_t rel = vaddr - ph.p_vaddr;
        char *dst = buf;
        for (size_t k = 0; k < len; k++) {
            uint64_t at = rel + k;
            uint64_t off = ph.p_offset + at;
            dst[k] = (at < ph.p_filesz && off < e->image_len) ? e->image[off] : 0;
        }
        return PT_OK;
    }
    return PT_EREAD;
}

bool pt_elf_each_string(const struct pt_elf *e, const char *section, size_t min_len,
                        bool (*fn)(const char *s, size_t len, void *arg), void *arg)
{
    struct pt_elf_section sec;
    if (!pt_elf_section(e, section, &sec) || sec.nobits || sec.offset > e->image_len ||
        sec.size > e->image_len - sec.offset)
        return false;
    const char *p = e->image + sec.offset, *end = p + sec.size;
    while (p < end) {
        const char *q = p;
        while (q < end && *q >= 0x20 && *q < 0x7f)
            q++;
        if (q < end && *q == '\0' && (size_t)(q - p) >= min_len && fn(p, (size_t)(q - p), arg))
            return true;
        p = q + 1;
    }
    return false;
}
