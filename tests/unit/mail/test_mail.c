/* test_mail.c: addresses (syntax, IDN → punycode), RFC 2047 headers, the MIME message,
 * tokens (signature, tampering, link tokens), digest slots, and the store's outbox
 * claim/retry/recover cycle on a scratch database. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/kyiv_time.h"
#include "core/utf8.h"
#include "mail/mail.h"

static void test_address(void)
{
    static const struct {
        const char *in, *out;
        enum mail_addr_problem why;
    } cases[] = {
        {"reader@example.org", "reader@example.org", MAIL_ADDR_OK},
        {"  Reader.Name+news@Example.ORG ", "reader.name+news@example.org", MAIL_ADDR_OK},
        {"o'brien@mail.example.com", "o'brien@mail.example.com", MAIL_ADDR_OK},
        {"user@приклад.укр", "user@xn--80aikifvh.xn--j1amh", MAIL_ADDR_OK},
        {"user@bücher.de", "user@xn--bcher-kva.de", MAIL_ADDR_OK},
        {"user@ПРИКЛАД.УКР", "user@xn--80aikifvh.xn--j1amh", MAIL_ADDR_OK},
        {"", NULL, MAIL_ADDR_EMPTY},
        {"no-at-sign", NULL, MAIL_ADDR_SYNTAX},
        {"a@b@c.org", NULL, MAIL_ADDR_SYNTAX},
        {".lead@example.org", NULL, MAIL_ADDR_SYNTAX},
        {"two..dots@example.org", NULL, MAIL_ADDR_SYNTAX},
        {"sp ace@example.org", NULL, MAIL_ADDR_SYNTAX},
        {"user@localhost", NULL, MAIL_ADDR_DOMAIN},
        {"user@-bad.org", NULL, MAIL_ADDR_DOMAIN},
        {"user@example..org", NULL, MAIL_ADDR_DOMAIN},
        {"user@1.2.3.4", NULL, MAIL_ADDR_DOMAIN},
        {"user@exa_mple.org", NULL, MAIL_ADDR_DOMAIN},
        {"юзер@example.org", NULL, MAIL_ADDR_NONASCII},
        {"x\r\nBcc: a@b.org@example.org", NULL, MAIL_ADDR_SYNTAX},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.org", NULL,
         MAIL_ADDR_TOO_LONG},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf b;
        enum mail_addr_problem why;
        buf_init(&b, 1024);
        enum err e = mail_address_normalize(str_from_cstr(cases[i].in), &b, &why);
        if (cases[i].out != NULL) {
            CHECK(e == ERR_OK);
            CHECK_STR(buf_str(&b), cases[i].out);
        } else {
            CHECK(e == ERR_INVALID);
            CHECK(b.len == 0);
        }
        if (why != cases[i].why)
            fprintf(stderr, "case %zu (%s): why %d, expected %d\n", i, cases[i].in, why,
                    cases[i].why);
        CHECK(why == cases[i].why);
        buf_free(&b);
    }
    char masked[64];
    mail_address_for_log(STR_LIT("reader@example.org"), masked, sizeof masked);
    CHECK(strcmp(masked, "r***@example.org") == 0);
}

static void test_headers(void)
{
    struct buf b;
    buf_init(&b, 4096);
    CHECK(mail_header_encode(&b, 9, STR_LIT("Plain subject")) == ERR_OK);
    CHECK_STR(buf_str(&b), "Plain subject");
    buf_reset(&b);
    CHECK(mail_header_encode(&b, 9, STR_LIT("bad\r\nBcc: x")) == ERR_INVALID);
    /* a long Ukrainian subject: several encoded words, none over 75 characters, none
     * splitting a character (each word decodes to valid UTF-8 on its own) */
    const char *subj = "Дайджест новин — 29 грудня 2025: Полтавщина, безпека, "
                       "ґрунти, їжаки та інші новини області";
    buf_reset(&b);
    CHECK(mail_header_encode(&b, 9, str_from_cstr(subj)) == ERR_OK);
    struct str rest = buf_str(&b), line;
    struct buf decoded;
    buf_init(&decoded, 4096);
    int words = 0;
    while (str_split_next(&rest, '\n', &line)) {
        struct str w = str_trim(line);
        if (w.len > 0 && w.ptr[w.len - 1] == '\r')
            w.len--;
        CHECK(w.len <= 75);
        CHECK(str_starts_with(w, STR_LIT("=?UTF-8?B?")) && str_ends_with(w, STR_LIT("?=")));
        unsigned char bin[128];
        size_t bin_len = 0;
        CHECK(sodium_base642bin(bin, sizeof bin, w.ptr + 10, w.len - 12, NULL, &bin_len, NULL,
                                sodium_base64_VARIANT_ORIGINAL) == 0);
        CHECK(utf8_valid((const char *)bin, bin_len));
        buf_append(&decoded, bin, bin_len);
        words++;
    }
    CHECK(words >= 3);
    CHECK_STR(buf_str(&decoded), subj);
    buf_free(&decoded);
    buf_free(&b);
}

static void test_message(void)
{
    struct buf b, mid;
    buf_init(&b, 1 << 20);
    buf_init(&mid, 256);
    CHECK(mail_message_id_make(STR_LIT("news@adm.example.gov.ua"), 1767023400, &mid) == ERR_OK);
    CHECK(str_starts_with(buf_str(&mid), STR_LIT("<")));
    CHECK(str_ends_with(buf_str(&mid), STR_LIT("@adm.example.gov.ua>")));
    struct mail_message m = {
        .from_name = STR_LIT("ПОЛТАВСЬКА ОВА"),
        .from_addr = STR_LIT("news@adm.example.gov.ua"),
        .to = STR_LIT("reader@example.org"),
        .subject = STR_LIT("Дайджест"),
        .message_id = buf_str(&mid),
        .date = 1767023400, /* 2025-12-29 15:50 UTC = 17:50 Kyiv (winter) */
        .list_unsubscribe_url = STR_LIT("https://news.example/subscribe/unsubscribe?t=1.ab"),
        .list_unsubscribe_mailto = STR_LIT("mailto:news@adm.example.gov.ua?subject=unsubscribe"),
        .text = STR_LIT("Текст\nрядок 2\n"),
        .html = STR_LIT("<p>Текст</p>"),
    };
    CHECK(mail_message_build(&m, &b) == ERR_OK);
    struct str s = buf_str(&b);
    CHECK(str_find(s, STR_LIT("Date: Mon, 29 Dec 2025 17:50:00 +0200\r\n")) != SIZE_MAX);
    CHECK(str_find(s, STR_LIT("From: =?UTF-8?B?")) != SIZE_MAX);
    CHECK(str_find(s, STR_LIT("<news@adm.example.gov.ua>\r\nTo: <reader@example.org>\r\n")) !=
          SIZE_MAX);
    CHECK(str_find(s, STR_LIT("List-Unsubscribe: <https://news.example/subscribe/unsubscribe"
                              "?t=1.ab>,\r\n <mailto:")) != SIZE_MAX);
    CHECK(str_find(s, STR_LIT("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")) !=
          SIZE_MAX);
    CHECK(str_find(s, STR_LIT("Content-Type: multipart/alternative;\r\n boundary=\"=_visnyk_")) !=
          SIZE_MAX);
    CHECK(str_find(s, STR_LIT("text/plain; charset=utf-8")) < str_find(s, STR_LIT("text/html")));
    /* every line ends CRLF and none is longer than 78 */
    size_t line_start = 0;
    bool crlf = true, short_lines = true;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] == '\n') {
            if (i == 0 || s.ptr[i - 1] != '\r')
                crlf = false;
            if (i - line_start > 79) {
                short_lines = false;
                fprintf(stderr, "long line: %.*s\n", (int)(i - line_start), s.ptr + line_start);
            }
            line_start = i + 1;
        }
    }
    CHECK(crlf);
    CHECK(short_lines);
    /* header injection through any field is refused */
    m.to = STR_LIT("a@b.org\r\nBcc: x@y.org");
    buf_reset(&b);
    CHECK(mail_message_build(&m, &b) == ERR_INVALID);
    CHECK(b.len == 0);
    buf_free(&b);
    buf_free(&mid);
}

static void test_tokens(void)
{
    unsigned char secret[MAIL_SECRET_BYTES], other[MAIL_SECRET_BYTES];
    struct buf tok, hash, hash2;
    int64_t id = 0;
    CHECK(sodium_init() >= 0);
    randombytes_buf(secret, sizeof secret);
    randombytes_buf(other, sizeof other);
    buf_init(&tok, 256);
    buf_init(&hash, 128);
    buf_init(&hash2, 128);
    CHECK(mail_token_confirm_make(secret, 42, 1767023400, &tok, &hash) == ERR_OK);
    CHECK(hash.len == 64);
    CHECK(mail_token_confirm_check(secret, buf_str(&tok), &id, &hash2));
    CHECK(id == 42);
    CHECK(str_eq(buf_str(&hash), buf_str(&hash2)));
    CHECK(!mail_token_confirm_check(other, buf_str(&tok), &id, &hash2));
    /* tampering with any part breaks the signature */
    for (size_t i = 0; i < tok.len; i += 7) {
        char saved = tok.data[i];
        tok.data[i] = saved == '1' ? '2' : '1';
        CHECK(!mail_token_confirm_check(secret, buf_str(&tok), &id, &hash2));
        tok.data[i] = saved;
    }
    CHECK(!mail_token_confirm_check(secret, STR_LIT(""), &id, &hash2));
    CHECK(!mail_token_confirm_check(secret, STR_LIT("1.2.3.4.5"), &id, &hash2));

    buf_reset(&tok);
    CHECK(mail_token_link_make(secret, 'u', 7, STR_LIT("key1"), &tok) == ERR_OK);
    CHECK(mail_token_link_check(secret, 'u', 7, STR_LIT("key1"), buf_str(&tok)));
    CHECK(!mail_token_link_check(secret, 'p', 7, STR_LIT("key1"), buf_str(&tok)));
    CHECK(!mail_token_link_check(secret, 'u', 7, STR_LIT("key2"), buf_str(&tok)));
    CHECK(!mail_token_link_check(secret, 'u', 8, STR_LIT("key1"), buf_str(&tok)));
    CHECK(mail_token_link_id(buf_str(&tok), &id) && id == 7);
    CHECK(!mail_token_link_id(STR_LIT("x.y"), &id));

    struct buf h1, h2;
    buf_init(&h1, 64);
    buf_init(&h2, 64);
    CHECK(mail_keyed_hash(secret, "ip", STR_LIT("192.0.2.1"), &h1) == ERR_OK);
    CHECK(mail_keyed_hash(other, "ip", STR_LIT("192.0.2.1"), &h2) == ERR_OK);
    CHECK(h1.len == 32 && !str_eq(buf_str(&h1), buf_str(&h2)));
    buf_free(&h1);
    buf_free(&h2);
    buf_free(&tok);
    buf_free(&hash);
    buf_free(&hash2);
}

static void test_slots(void)
{
    int64_t daily, weekly;
    /* Wednesday 2025-12-31 10:00 Kyiv; digests at 08:00, weekly on Monday */
    int64_t now = kyiv_to_utc(2025, 12, 31, 10, 0, 0);
    mail_digest_slots(now, 8, 0, 1, &daily, &weekly);
    CHECK(daily == kyiv_to_utc(2025, 12, 31, 8, 0, 0));
    CHECK(weekly == kyiv_to_utc(2025, 12, 29, 8, 0, 0));
    /* before today's time: yesterday's slot; on the weekday before the time: last week */
    now = kyiv_to_utc(2025, 12, 29, 7, 59, 0);
    mail_digest_slots(now, 8, 0, 1, &daily, &weekly);
    CHECK(daily == kyiv_to_utc(2025, 12, 28, 8, 0, 0));
    CHECK(weekly == kyiv_to_utc(2025, 12, 22, 8, 0, 0));
    /* across the spring DST change (2026-03-29) */
    now = kyiv_to_utc(2026, 3, 29, 9, 0, 0);
    mail_digest_slots(now, 8, 30, 7, &daily, &weekly);
    CHECK(daily == kyiv_to_utc(2026, 3, 29, 8, 30, 0));
    CHECK(weekly == daily);
}

static bool never_alive(int64_t c)
{
    (void)c;
    return false;
}

static void test_outbox(void)
{
    char path[] = "/tmp/visnyk-mail-test-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    unlink(path);
    struct store *w = NULL;
    CHECK(store_open(path, STORE_WRITE, &w) == ERR_OK);
    CHECK(store_migrate(w, NULL, NULL) == ERR_OK);
    struct arena *a = arena_new(4096);
    unsigned char s1[MAIL_SECRET_BYTES], s2[MAIL_SECRET_BYTES];
    CHECK(mail_secret_get(w, s1) == ERR_OK);
    CHECK(mail_secret_get(w, s2) == ERR_OK);
    CHECK(memcmp(s1, s2, sizeof s1) == 0); /* created once, then kept */

    int64_t sid = 0;
    CHECK(store_subscriber_insert(w, STR_LIT("r@example.org"), STR_LIT("k"), false, 100, &sid) ==
          ERR_OK);
    CHECK(store_subscriber_insert(w, STR_LIT("r@example.org"), STR_LIT("k"), false, 100, &sid) ==
          ERR_CONFLICT);
    struct store_outbox_input in = {.subscriber_id = sid,
                                    .kind = STR_LIT("digest"),
                                    .rcpt = STR_LIT("r@example.org"),
                                    .subject = STR_LIT("s"),
                                    .message_id = STR_LIT("<1@x>"),
                                    .body = STR_LIT("body"),
                                    .now = 1000};
    CHECK(store_outbox_add(w, &in, NULL) == ERR_OK);
    struct store_outbox_msg m;
    CHECK(store_outbox_claim(w, a, 999, 2000, 4242, &m) == ERR_NOTFOUND); /* not due yet */
    CHECK(store_outbox_claim(w, a, 1000, 2000, 4242, &m) == ERR_OK);
    CHECK(m.attempts == 1 && m.state == STORE_OUTBOX_SENDING);
    CHECK_STR(m.body, "body");
    /* in flight: not claimable again before its lease ends */
    CHECK(store_outbox_claim(w, a, 1500, 3000, 4243, &m) == ERR_NOTFOUND);
    /* the claimer died: recover requeues it */
    int64_t n = 0;
    CHECK(store_outbox_recover(w, never_alive, 1600, &n) == ERR_OK && n == 1);
    CHECK(store_outbox_claim(w, a, 1600, 3000, 4243, &m) == ERR_OK);
    CHECK(m.attempts == 2);
    CHECK(store_outbox_retry(w, m.id, 1700, STR_LIT("smtp 451")) == ERR_OK);
    CHECK(store_outbox_claim(w, a, 1650, 3000, 4243, &m) == ERR_NOTFOUND);
    CHECK(store_outbox_claim(w, a, 1700, 3000, 4243, &m) == ERR_OK);
    CHECK(m.attempts == 3);
    CHECK(store_outbox_sent(w, m.id, 1701) == ERR_OK);
    CHECK(store_outbox_claim(w, a, 99999, 999999, 1, &m) == ERR_NOTFOUND);
    int64_t counts[4];
    CHECK(store_outbox_counts(w, counts) == ERR_OK);
    CHECK(counts[STORE_OUTBOX_SENT] == 1 && counts[STORE_OUTBOX_QUEUED] == 0);

    /* tokens: single use, expiry */
    CHECK(store_mail_token_add(w, STR_LIT("h1"), sid, 5000) == ERR_OK);
    bool live = false;
    CHECK(store_mail_token_live(w, sid, 4000, &live) == ERR_OK && live);
    int64_t who = 0;
    CHECK(store_mail_token_use(w, STR_LIT("h1"), 6000, &who) == ERR_INVALID);
    CHECK(store_mail_token_use(w, STR_LIT("h1"), 4000, &who) == ERR_OK && who == sid);
    CHECK(store_mail_token_use(w, STR_LIT("h1"), 4001, &who) == ERR_CONFLICT);
    CHECK(store_mail_token_use(w, STR_LIT("nope"), 4001, &who) == ERR_NOTFOUND);

    /* rate counters */
    int64_t c = 0;
    for (int i = 0; i < 3; i++)
        CHECK(store_mail_rate_hit(w, STR_LIT("ip:x"), 3600, 0, &c) == ERR_OK);
    CHECK(c == 3);
    CHECK(store_mail_rate_hit(w, STR_LIT("ip:x"), 7200, 0, &c) == ERR_OK && c == 1);

    CHECK(store_subscriber_erase(w, sid) == ERR_OK);
    CHECK(store_outbox_counts(w, counts) == ERR_OK && counts[STORE_OUTBOX_SENT] == 0);
    arena_free(a);
    store_close(w);
    unlink(path);
    char side[64];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

int main(void)
{
    test_address();
    test_headers();
    test_message();
    test_tokens();
    test_slots();
    test_outbox();
    return check_done();
}
