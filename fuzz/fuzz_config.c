/* fuzz_config: the INI reader behind visnyk.ini and demo/site.ini (config_parse_text,
 * config_ini_parse) and the validation of every setting. Checks: an error always comes
 * with a message naming the file; on success every string setting is NUL-terminated
 * within its field; the reader never hands its callback a key outside the text or a key
 * or value with a line break in it, and names the file in every origin. */
#include "fuzz_util.h"

#include "config/config.h"

struct seen {
    struct str text;
    size_t n;
};

static enum err each(void *ctx, const char *origin, struct str key, struct str value, char *err,
                     size_t err_size)
{
    struct seen *s = ctx;
    (void)err;
    (void)err_size;
    FUZZ_CHECK(origin != NULL && strncmp(origin, "f.ini:", 6) == 0, "origin does not name the file",
               s->text.ptr, s->text.len);
    FUZZ_CHECK(fuzz_within(key, s->text.ptr, s->text.len) || key.len == 0, "key outside the text",
               s->text.ptr, s->text.len);
    FUZZ_CHECK(key.len == 0 || memchr(key.ptr, '\n', key.len) == NULL, "key spans lines",
               s->text.ptr, s->text.len);
    FUZZ_CHECK(value.len == 0 || memchr(value.ptr, '\n', value.len) == NULL, "value spans lines",
               s->text.ptr, s->text.len);
    s->n++;
    return ERR_OK;
}

static void check_cstr(const char *field, size_t size, struct str in)
{
    FUZZ_CHECK(memchr(field, '\0', size) != NULL, "setting not NUL-terminated", in.ptr, in.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str text = str_make((const char *)data, size);
    char err[512];
    struct config c;
    config_defaults(&c);
    err[0] = '\0';
    enum err e = config_parse_text(&c, "f.ini", text, err, sizeof err);
    if (e != ERR_OK) {
        FUZZ_CHECK(strncmp(err, "f.ini", 5) == 0, "error message does not name the file", data,
                   size);
    } else {
        check_cstr(c.db, sizeof c.db, text);
        check_cstr(c.listen_host, sizeof c.listen_host, text);
        check_cstr(c.theme, sizeof c.theme, text);
        check_cstr(c.media, sizeof c.media, text);
        check_cstr(c.base_url, sizeof c.base_url, text);
        check_cstr(c.smtp_url, sizeof c.smtp_url, text);
        check_cstr(c.mail_from, sizeof c.mail_from, text);
        check_cstr(c.log_level, sizeof c.log_level, text);
    }
    struct seen s = {text, 0};
    if (config_ini_parse("f.ini", text, each, &s, err, sizeof err) != ERR_OK) {
        /* refusing bad input is fine: the target checks only what each() sees */
    }
    return 0;
}
