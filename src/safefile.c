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
    return PT_EIO;
}

static enum pt_err write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return PT_EIO;
        data += w;
        len -= (size_t)w;
    }
    return fsync(fd) == 0 ? PT_OK : PT_EIO;
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

enum pt_err pt_safefile_write(const char *path, const char *data, size_t len, bool overwrite,
                              struct pt_sb *why)
{
    char *tmp = temp_name(path);
    if (!tmp)
        return PT_ENOMEM;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        enum pt_err err = fail(why, "create a file beside", path, errno);
        free(tmp);
        return err;
    }
    fchmod(fd, 0644);
    int e = 0;
    if (write_all(fd, data, len) != PT_OK)
        e = errno ? errno : EIO;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && (overwrite ? rename(tmp, path) : link(tmp, path)) != 0)
        e = errno;
    unlink(tmp); /* after link: drop the temporary name; after rename: no-op */
    free(tmp);
    if (e == EEXIST)
        pt_sb_printf(why, "%s already exists (use --force to overwrite)", path);
    else if (e)
        return fail(why, "write", path, e);
    return e ? PT_EIO : PT_OK;
}
