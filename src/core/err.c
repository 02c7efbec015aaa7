#include "err.h"

const char *err_str(enum err e)
{
    switch (e) {
    case ERR_OK:
        return "ok";
    case ERR_NOMEM:
        return "out of memory";
    case ERR_TOO_LARGE:
        return "too large";
    case ERR_PARSE:
        return "malformed input";
    case ERR_INVALID:
        return "invalid value";
    case ERR_DB:
        return "database error";
    case ERR_IO:
        return "input/output error";
    case ERR_NOTFOUND:
        return "not found";
    case ERR_CONFLICT:
        return "conflict";
    case ERR_BUSY:
        return "busy, try again later";
    case ERR_VERSION:
        return "written by a newer version of visnyk";
    }
    return "unknown error";
}
