/*
 * replay — run the fuzz entry point once over each input file, without
 * libFuzzer, so the decode path over the committed corpus runs in every
 * build (plain gcc, or ASan+UBSan). Arguments are files or directories
 * (every regular file in them). A file named seed-* was captured from a
 * real process and must still pass attach's proof of the interpreter and
 * decode to stacks with named frames: if the
 * format or a layout drifts, the corpus says so instead of going stale.
 * Exits 1 if an input cannot be read, a seed decodes to nothing, or no
 * input was found; a decoder crash or broken contract aborts the run.
 * -v prints what each input decoded to.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_decode.h"
#include "pytop/util.h"

static int run_file(const char *path, bool verbose)
{
    char *bytes;
    size_t len;
    if (pt_read_file(path, &bytes, &len) != PT_OK) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        return -1;
    }
    struct fz_result r;
    fz_run((const uint8_t *)bytes, len, &r);
    free(bytes);
    const char *base = strrchr(path, '/');
    bool seed = strncmp(base ? base + 1 : path, "seed-", 5) == 0;
    if (verbose)
        printf("%s: %s, %zu threads (%zu named), %zu frames (%zu named)\n", path,
               r.proven ? "proven" : "not proven", r.threads, r.named_threads, r.frames, r.decoded);
    if (seed && (r.decoded == 0 || !r.proven)) {
        fprintf(stderr, "replay: %s: a seed from a real process no longer decodes (format or "
                        "layout changed? re-capture with make fuzz-seeds)\n", path);
        return -1;
    }
    return 1;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file in dir, in name order; -1 on an unreadable one. */
static int run_dir(const char *dir, bool verbose)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int ok = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **v = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *v);
            if (!v)
                break;
            names = v;
        }
        if (!(names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2)))
            break;
        sprintf(names[n++], "%s/%s", dir, e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (ok == 0 && stat(names[i], &sb) == 0 && S_ISREG(sb.st_mode)) {
            int r = run_file(names[i], verbose);
            ok = r < 0 ? -1 : 0;
            count += r > 0;
        }
        free(names[i]);
    }
    free(names);
    return ok < 0 ? -1 : count;
}

int main(int argc, char **argv)
{
    int total = 0;
    bool verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    for (int i = 1 + verbose; i < argc; i++) {
        struct stat sb;
        int r = stat(argv[i], &sb) != 0   ? -1
                : S_ISDIR(sb.st_mode) ? run_dir(argv[i], verbose)
                                      : run_file(argv[i], verbose);
        if (r < 0) {
            fprintf(stderr, "replay: %s: unreadable, or a seed that no longer decodes\n", argv[i]);
            return 1;
        }
        total += r;
    }
    if (total == 0) {
        fprintf(stderr, "replay: no inputs\n");
        return 1;
    }
    printf("replay: %d inputs decoded, no crash, contract held\n", total);
    return 0;
}
