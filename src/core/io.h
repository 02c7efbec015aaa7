/* io.h: blocking file-descriptor helpers shared by the modules that write files,
 * spools and pipes (http/, media/, cli/). */
#ifndef VISNYK_CORE_IO_H
#define VISNYK_CORE_IO_H

#include <stdbool.h>
#include <stddef.h>

/* io_write_all writes all n bytes of p to fd, retrying short writes and EINTR. Returns
 * false when write fails (errno says why) or writes nothing; some bytes may have been
 * written by then. The caller keeps p and fd. */
bool io_write_all(int fd, const void *p, size_t n);

#endif
