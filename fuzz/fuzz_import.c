/* fuzz_import: the importer's front matter and checks (import_check_text, which runs
 * everything import_file does except the store and the photo files). Checks: the
 * result is ERR_OK or one of the documented errors, and an error always comes with a
 * message that names the file; text that is not UTF-8 is refused. */
#include "fuzz_util.h"

#include "core/utf8.h"
#include "import/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str text = str_make((const char *)data, size);
    char err[512];
    enum err e = import_check_text("in.md", text, err, sizeof err);
    if (e == ERR_OK) {
        FUZZ_CHECK(utf8_valid(text.ptr, text.len), "invalid UTF-8 accepted", data, size);
        FUZZ_CHECK(text.len == 0 || memchr(text.ptr, '\0', text.len) == NULL, "NUL accepted", data,
                   size);
        return 0;
    }
    FUZZ_CHECK(e == ERR_PARSE || e == ERR_INVALID || e == ERR_TOO_LARGE,
               "import_check_text: unexpected error", data, size);
    FUZZ_CHECK(strncmp(err, "in.md", 5) == 0, "error message does not name the file", data, size);
    return 0;
}
