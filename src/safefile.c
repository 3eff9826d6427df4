/* safefile — temp file + link/rename publication. */
#include "pytop/safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static enum pt_err fail(struct pt_sb *why, const char *what, const char *path, int e)
{
    pt_sb_printf(why, "cannot %s %s: %s", what, path, strerror(e));
    return PT_EWRITE;
}

static enum pt_err write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            errno = w < 0 ? errno : ENOSPC; /* a write of 0 bytes: no room */
            return PT_EWRITE;
        }
        data += w;
        len -= (size_t)w;
    }
    return fsync(fd) == 0 ? PT_OK : PT_EWRITE;
}

/* Temporary name in the same directory: ".NAME.pytop-XXXXXX". */
static char *temp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path + 1) : 0;
    size_t n = strlen(path) + 16;
    char *t = malloc(n);
    if (t)
        snprintf(t, n, "%.*s.%s.pytop-XXXXXX", (int)dir, path, path + dir);
    return t;
}

/* The data in a fresh temporary file beside path; *tmp names it (free it). */
static enum pt_err write_temp(const char *path, const char *data, size_t len, char **tmp,
                              struct pt_sb *why)
{
    *tmp = temp_name(path);
    if (!*tmp)
        return PT_ENOMEM;
    int fd = mkstemp(*tmp);
    if (fd < 0) {
        enum pt_err err = fail(why, "create a file beside", path, errno);
        free(*tmp);
        *tmp = NULL;
        return err;
    }
    fchmod(fd, 0644);
    int e = 0;
    if (write_all(fd, data, len) != PT_OK)
        e = errno ? errno : EIO;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e)
        return PT_OK;
    unlink(*tmp);
    free(*tmp);
    *tmp = NULL;
    return fail(why, "write", path, e);
}

enum pt_err pt_safefile_write(const char *path, const char *data, size_t len, bool overwrite,
                              struct pt_sb *why)
{
    char *tmp;
    enum pt_err err = write_temp(path, data, len, &tmp, why);
    if (err != PT_OK)
        return err;
    int e = (overwrite ? rename(tmp, path) : link(tmp, path)) != 0 ? errno : 0;
    unlink(tmp); /* after link: drop the temporary name; after rename: no-op */
    free(tmp);
    if (e == EEXIST)
        pt_sb_printf(why, "%s already exists (use --force to overwrite)", path);
    else if (e)
        return fail(why, "write", path, e);
    return e ? PT_EWRITE : PT_OK;
}

bool pt_safefile_writable(const char *path, bool overwrite, struct pt_sb *why)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    struct stat st;
    int e = 0;
    if (!dir)
        e = ENOMEM;
    else if (stat(dir, &st) != 0)
        e = errno;
    else if (!S_ISDIR(st.st_mode))
        e = ENOTDIR;
    else if (access(dir, W_OK | X_OK) != 0) /* EROFS too, even for root */
        e = errno;
    bool taken = !e && lstat(path, &st) == 0;
    if (e)
        pt_sb_printf(why, "cannot write in directory '%s': %s", dir ? dir : path, strerror(e));
    else if (taken && !overwrite)
        pt_sb_printf(why, "%s already exists (use --force to overwrite)", path);
    else if (taken && S_ISDIR(st.st_mode))
        pt_sb_printf(why, "%s is a directory", path);
    free(dir);
    return !e && !(taken && (!overwrite || S_ISDIR(st.st_mode)));
}

/* dir/stem.ext for n == 0, else dir/stem-n.ext. */
static void series_name(const char *dir, const char *stem, const char *ext, unsigned n, struct pt_sb *out)
{
    pt_sb_clear(out);
    pt_sb_printf(out, "%s/%s", dir, stem);
    if (n)
        pt_sb_printf(out, "-%u", n);
    pt_sb_puts(out, ext);
}

enum pt_err pt_safefile_write_new(const char *dir, const char *stem, const char *ext, const char *data,
                                  size_t len, struct pt_sb *path, struct pt_sb *why)
{
    series_name(dir, stem, ext, 0, path);
    if (pt_sb_failed(path))
        return PT_ENOMEM;
    char *tmp;
    enum pt_err err = write_temp(path->s, data, len, &tmp, why);
    if (err != PT_OK)
        return err;
    int e = EEXIST;
    /* link() never replaces and never follows a symlink at the new name:
     * EEXIST is the probe for "taken" */
    for (unsigned n = 0; n <= PT_SAFEFILE_MAX_SUFFIX && e == EEXIST; n++) {
        series_name(dir, stem, ext, n, path);
        e = pt_sb_failed(path) ? ENOMEM : link(tmp, path->s) == 0 ? 0 : errno;
    }
    unlink(tmp);
    free(tmp);
    if (e == EEXIST)
        pt_sb_printf(why, "%s/%s%s and %u numbered variants all exist", dir, stem, ext,
                     PT_SAFEFILE_MAX_SUFFIX);
    else if (e)
        return fail(why, "write", path->s ? path->s : stem, e);
    return e ? PT_EWRITE : PT_OK;
}

enum pt_err pt_safefile_create_new(const char *dir, const char *stem, const char *ext,
                                   struct pt_sb *path, struct pt_sb *why)
{
    int e = EEXIST;
    /* O_EXCL: an existing name, a symlink included (dangling or not), is EEXIST */
    for (unsigned n = 0; n <= PT_SAFEFILE_MAX_SUFFIX && e == EEXIST; n++) {
        series_name(dir, stem, ext, n, path);
        if (pt_sb_failed(path))
            return PT_ENOMEM;
        int fd = open(path->s, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        e = fd < 0 ? errno : 0;
        if (fd >= 0)
            close(fd);
    }
    if (e == EEXIST)
        pt_sb_printf(why, "%s/%s%s and %u numbered variants all exist", dir, stem, ext,
                     PT_SAFEFILE_MAX_SUFFIX);
    else if (e)
        return fail(why, "create", path->s, e);
    return e ? PT_EWRITE : PT_OK;
}
