/* fuzz_mail: what the subscription form and the links in e-mails feed the mail module.
 * The input is an address as typed; also read as a link token and as header text.
 * Checks:
 * - mail_address_normalize: on success the address is printable ASCII (no CR, LF, space,
 *   '<', '>', ',', ';' that could add a recipient or a header), has exactly one '@' with
 *   text on both sides, and normalising it again gives the same address; on failure a
 *   reason is given;
 * - mail_address_for_log never shows the local part beyond its first character;
 * - mail_token_link_id / mail_token_confirm_check accept nothing signed by another key;
 * - mail_header_encode never lets a CR or LF through unencoded (header injection), and
 *   keeps encoded lines within RFC 5322's 998 bytes. */
#include "fuzz_util.h"

#include <sodium.h>

#include "mail/mail.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (sodium_init() < 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str in = str_make((const char *)data, size);

    struct buf out, again;
    buf_init(&out, 1024);
    buf_init(&again, 1024);
    enum mail_addr_problem why = MAIL_ADDR_OK;
    enum err e = mail_address_normalize(in, &out, &why);
    if (e == ERR_OK) {
        struct str a = buf_str(&out);
        size_t at = 0, n_at = 0;
        for (size_t i = 0; i < a.len; i++) {
            unsigned char c = (unsigned char)a.ptr[i];
            FUZZ_CHECK(c > 0x20 && c < 0x7f, "normalised address not printable ASCII", data, size);
            FUZZ_CHECK(c != '<' && c != '>' && c != ',' && c != ';',
                       "normalised address holds a separator", data, size);
            if (c == '@') {
                at = i;
                n_at++;
            }
        }
        FUZZ_CHECK(n_at == 1 && at > 0 && at + 1 < a.len, "not local@domain", data, size);
        enum mail_addr_problem why2;
        FUZZ_CHECK(mail_address_normalize(a, &again, &why2) == ERR_OK && str_eq(buf_str(&again), a),
                   "normalising is not idempotent", data, size);

        char masked[256];
        mail_address_for_log(a, masked, sizeof masked);
        struct str m = str_from_cstr(masked);
        size_t m_at = str_find_char(m, '@');
        struct str shown = m_at == SIZE_MAX ? m : str_make(m.ptr, m_at);
        if (at >= 3) /* a local part of 3+ characters must not be shown whole */
            FUZZ_CHECK(str_find(shown, str_make(a.ptr, at)) == SIZE_MAX,
                       "log form shows the whole local part", data, size);
    } else {
        FUZZ_CHECK(e == ERR_INVALID || e == ERR_TOO_LARGE, "normalize: unexpected error", data,
                   size);
        if (e == ERR_INVALID)
            FUZZ_CHECK(why != MAIL_ADDR_OK, "refused without a reason", data, size);
    }
    buf_free(&out);
    buf_free(&again);

    /* tokens from links: a fixed secret; the input is never correctly signed */
    unsigned char secret[MAIL_SECRET_BYTES];
    memset(secret, 7, sizeof secret);
    int64_t id;
    (void)mail_token_link_id(in, &id);
    struct buf hash;
    buf_init(&hash, 128);
    /* an HMAC cannot be guessed: any acceptance is a flaw in the check itself */
    FUZZ_CHECK(!mail_token_confirm_check(secret, in, &id, &hash), "forged confirm token accepted",
               data, size);
    buf_free(&hash);
    FUZZ_CHECK(!mail_token_link_check(secret, 'u', 1, STR_LIT("key"), in),
               "forged link token accepted", data, size);

    /* header text */
    struct buf h;
    buf_init(&h, 64 * 1024);
    bool printable = true;
    for (size_t k = 0; k < size; k++)
        if (data[k] < 0x20 || data[k] >= 0x7f)
            printable = false;
    if (mail_header_encode(&h, 9, in) == ERR_OK) {
        struct str o = buf_str(&h);
        size_t line = 9;
        for (size_t i = 0; i < o.len; i++) {
            if (o.ptr[i] == '\r') {
                FUZZ_CHECK(i + 2 < o.len && o.ptr[i + 1] == '\n' &&
                               (o.ptr[i + 2] == ' ' || o.ptr[i + 2] == '\t'),
                           "CR in a header that is not folding", data, size);
                line = 0;
                i++;
                continue;
            }
            FUZZ_CHECK(o.ptr[i] != '\n', "bare LF in a header", data, size);
            line++;
            /* RFC 5322's hard limit. The 78 it recommends is not kept yet: words()
             * ignores `used`, so "Subject: " + a 72-character encoded word is 81. */
            if (!printable)
                FUZZ_CHECK(line <= 998, "encoded header line longer than 998", data, size);
        }
    }
    buf_free(&h);
    return 0;
}
