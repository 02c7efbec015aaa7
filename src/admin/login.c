/* login.c: passwords (Argon2id), login with throttling, sessions, logout, and the
 * account page where users change their own password.
 *
 * Hashing runs on the loop thread that received the login (handlers are synchronous),
 * capped at ADMIN_MAX_HASHING at once: a login beyond the cap is answered 503 with
 * Retry-After instead of waiting, so a burst of logins costs at most that many loops
 * ~30 ms each and that many times 19 MiB, and the other loops keep serving. */
#include <string.h>

#include <sodium.h>

#include "admin/admin_internal.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/utf8.h"

#define LOGIN_COOKIE_TLS "__Host-visnyk_login"
#define LOGIN_COOKIE "visnyk_login"

const char *admin_password_check(struct str pw)
{
    size_t chars = 0;
    if (pw.len > ADMIN_PW_MAX_BYTES)
        return "admin.pw.long";
    if (!utf8_valid(pw.ptr != NULL ? pw.ptr : "", pw.len))
        return "admin.pw.short";
    for (size_t i = 0; i < pw.len; i++)
        if (((unsigned char)pw.ptr[i] & 0xC0) != 0x80)
            chars++;
    if (chars < ADMIN_PW_MIN_CHARS)
        return "admin.pw.short";
    return NULL;
}

enum err admin_password_hash(struct str pw, char out[ADMIN_PW_HASH_BYTES])
{
    if (sodium_init() < 0)
        return ERR_INVALID;
    if (crypto_pwhash_str(out, pw.ptr != NULL ? pw.ptr : "", pw.len, ADMIN_PW_OPSLIMIT,
                          ADMIN_PW_MEMLIMIT) != 0)
        return ERR_NOMEM;
    return ERR_OK;
}

bool admin_password_verify(struct str hash, struct str pw)
{
    char h[ADMIN_PW_HASH_BYTES];
    if (hash.len == 0 || hash.len >= sizeof h)
        return false;
    memcpy(h, hash.ptr, hash.len);
    h[hash.len] = '\0';
    return crypto_pwhash_str_verify(h, pw.ptr != NULL ? pw.ptr : "", pw.len) == 0;
}

bool admin_login_allowed(const struct store_login_counts *c)
{
    if (c->ip_failures >= ADMIN_MAX_FAILS_PER_IP)
        return false;
    if (c->pair_failures >= ADMIN_MAX_FAILS_PER_PAIR)
        return false;
    /* the real user's own address stays open when strangers used up the account's tries */
    if (c->account_failures >= ADMIN_MAX_FAILS_PER_ACCOUNT && !c->known_ip)
        return false;
    return true;
}

/* hash_slot takes one of the ADMIN_MAX_HASHING slots; false when all are busy. */
static bool hash_slot(struct admin *ad)
{
    if (atomic_fetch_add(&ad->hashing, 1) >= ADMIN_MAX_HASHING) {
        atomic_fetch_sub(&ad->hashing, 1);
        return false;
    }
    return true;
}

static void hash_release(struct admin *ad)
{
    atomic_fetch_sub(&ad->hashing, 1);
}

/* ---- sessions ---------------------------------------------------------------------- */

bool admin__session_load(struct admin_ctx *c)
{
    struct str token = admin__cookie(c->req, admin__session_cookie_name(c->ad));
    struct store_session s;
    int64_t now = utc_now();

    if (token.len != 32)
        return false;
    c->token_hash = admin__sha256_hex(c->a, token);
    enum err e = store_session_get(c->db, c->a, c->token_hash, &s);
    if (e != ERR_OK) {
        if (e != ERR_NOTFOUND)
            log_msg(LOG_ERROR, c->req->id, "session read failed: %s", err_str(e));
        return false;
    }
    if (s.last_seen < now - ADMIN_SESSION_IDLE_SECONDS ||
        s.created_at < now - ADMIN_SESSION_MAX_SECONDS) {
        /* expired either way: a row left behind is refused again and purged later */
        e = store_session_delete(c->db, c->token_hash);
        if (e != ERR_OK)
            log_msg(LOG_ERROR, c->req->id, "session delete failed: %s", err_str(e));
        return false;
    }
    e = store_user_by_id(c->db, c->a, s.user_id, &c->user);
    if (e != ERR_OK || c->user.disabled) {
        e = store_session_delete(c->db, c->token_hash);
        if (e != ERR_OK)
            log_msg(LOG_ERROR, c->req->id, "session delete failed: %s", err_str(e));
        return false;
    }
    if (s.last_seen < now - ADMIN_SESSION_TOUCH_SECONDS) {
        /* the session stays valid; a missed touch only makes it idle out sooner */
        e = store_session_touch(c->db, c->token_hash, now);
        if (e != ERR_OK)
            log_msg(LOG_ERROR, c->req->id, "session touch failed: %s", err_str(e));
    }
    c->csrf = s.csrf;
    return true;
}

static const char *login_cookie(const struct admin_ctx *c)
{
    return c->ad->tls ? LOGIN_COOKIE_TLS : LOGIN_COOKIE;
}

/* safe_next: a place inside the workspace to go after logging in, never elsewhere. */
static struct str safe_next(struct str next)
{
    if (!str_starts_with(next, STR_LIT("/admin")) || str_starts_with(next, STR_LIT("//")) ||
        str_find_char(next, '\\') != SIZE_MAX || str_starts_with(next, STR_LIT("/admin/login")) ||
        next.len > 1024)
        return STR_LIT("/admin");
    for (size_t i = 0; i < next.len; i++)
        if ((unsigned char)next.ptr[i] < 0x21 || next.ptr[i] == '"' || next.ptr[i] == '<')
            return STR_LIT("/admin");
    return next;
}

static void login_page(struct admin_ctx *c, int status, const char *error_key, struct str name,
                       struct str next)
{
    /* double-submit token: a login form posted from another site lacks the cookie */
    struct str token = admin__token(c->a);
    admin__set_cookie(c, login_cookie(c), token, 3600);
    value_set_str(c->a, c->root, "login_token", token);
    value_set_str(c->a, c->root, "name", name);
    value_set_str(c->a, c->root, "next", safe_next(next));
    if (error_key != NULL)
        value_set_str(c->a, c->root, "error", admin__t(c, error_key));
    c->logged_in = false; /* the login page shows no user menu */
    admin__render(c, status, "admin-login");
}

void admin__login_form(struct admin_ctx *c)
{
    if (c->logged_in) {
        admin__redirect(c, "/admin");
        return;
    }
    login_page(c, 200, NULL, STR_LIT(""), admin__field(c, c->req->query, "next"));
}

static void lower_ascii(struct arena *a, struct str *s)
{
    char *p = arena_strndup(a, s->ptr != NULL ? s->ptr : "", s->len);
    for (size_t i = 0; i < s->len; i++)
        if (p[i] >= 'A' && p[i] <= 'Z')
            p[i] = (char)(p[i] - 'A' + 'a');
    s->ptr = p;
}

void admin__login(struct admin_ctx *c)
{
    struct str body = c->req->body;
    struct str name = str_trim(admin__field(c, body, "name"));
    struct str pw = admin__field(c, body, "password");
    struct str next = admin__field(c, body, "next");
    struct str form_token = admin__field(c, body, "login_token");
    struct str cookie_token = admin__cookie(c->req, login_cookie(c));
    struct store_login_counts counts;
    struct store_user u;
    int64_t now = utc_now();
    bool ok = false, found;
    enum err e;

    lower_ascii(c->a, &name);
    if (cookie_token.len != 32 || form_token.len != 32 ||
        sodium_memcmp(cookie_token.ptr, form_token.ptr, 32) != 0) {
        login_page(c, 403, "admin.login.expired", name, next);
        return;
    }
    if (name.len == 0 || pw.len == 0 || name.len > STORE_MAX_USER_NAME_BYTES ||
        pw.len > ADMIN_PW_MAX_BYTES) {
        login_page(c, 422, "admin.login.failed", name, next);
        return;
    }
    e = store_login_counts(c->db, name, c->ip, now - ADMIN_THROTTLE_WINDOW,
                           now - ADMIN_KNOWN_IP_SECONDS, &counts);
    if (e != ERR_OK) {
        admin__db_error(c, e, "login counts");
        return;
    }
    if (!admin_login_allowed(&counts)) {
        admin__audit(c, "login.throttled", name, STR_NULL);
        http_response_header(c->res, c->req, "Retry-After", STR_LIT("3600"));
        login_page(c, 429, "admin.login.throttled", name, next);
        return;
    }
    if (!hash_slot(c->ad)) {
        http_response_header(c->res, c->req, "Retry-After", STR_LIT("1"));
        login_page(c, 503, "admin.login.busy", name, next);
        return;
    }
    e = store_user_by_name(c->db, c->a, name, &u);
    found = e == ERR_OK;
    /* the lock is not needed while hashing: other editors keep working */
    admin__unlock(c);
    if (found && !u.disabled) {
        ok = admin_password_verify(u.pw_hash, pw);
    } else {
        /* spend the same time as for a real account, so timing does not tell names */
        static const char dummy[] = "$argon2id$v=19$m=19456,t=2,p=1$"
                                    "c29tZXNhbHRzb21lc2FsdA$"
                                    "3vT6cEw0X3uBv3nJd8b8q2J3i7m1pG2q0xq2v6b1r5k";
        admin_password_verify(STR_LIT(dummy), pw);
    }
    bool rehash = ok && crypto_pwhash_str_needs_rehash(u.pw_hash.ptr, ADMIN_PW_OPSLIMIT,
                                                       ADMIN_PW_MEMLIMIT) != 0;
    char new_hash[ADMIN_PW_HASH_BYTES];
    if (rehash && admin_password_hash(pw, new_hash) != ERR_OK)
        rehash = false;
    hash_release(c->ad);
    admin__lock(c);

    e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_login_record(c->db, name, c->ip, ok, now);
    if (e == ERR_OK && !ok)
        e = store_audit_add(c->db, 0, name, c->ip, (int64_t)c->req->id, "login.failed", name,
                            STR_NULL, now);
    if (e != ERR_OK) {
        admin__db_error(c, e, "login record");
        return;
    }
    if (!ok) {
        e = store_commit(c->db);
        if (e != ERR_OK) {
            admin__db_error(c, e, "login record");
            return;
        }
        metrics_inc(&metrics_g.login_failures); /* /metrics */
        log_msg(LOG_INFO, c->req->id, "login failed from %.*s", STR_FMT(c->ip));
        login_page(c, 401, "admin.login.failed", name, next);
        return;
    }
    /* a new token at every login: a token planted before cannot be carried over */
    struct str token = admin__token(c->a);
    struct str csrf = admin__token(c->a);
    struct str token_hash = admin__sha256_hex(c->a, token);
    e = store_sessions_expire(c->db, now - ADMIN_SESSION_IDLE_SECONDS,
                              now - ADMIN_SESSION_MAX_SECONDS);
    if (e == ERR_OK && c->token_hash.len > 0)
        e = store_session_delete(c->db, c->token_hash);
    if (e == ERR_OK)
        e = store_session_create(c->db, token_hash, u.id, csrf, c->ip, now);
    if (e == ERR_OK)
        e = store_user_logged_in(c->db, u.id, now);
    if (e == ERR_OK && rehash)
        e = store_user_set_password(c->db, u.id, str_from_cstr(new_hash));
    if (e == ERR_OK)
        e = store_audit_add(c->db, u.id, u.name, c->ip, (int64_t)c->req->id, "login", u.name,
                            STR_NULL, now);
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e != ERR_OK) {
        admin__db_error(c, e, "session create");
        return;
    }
    if (rehash) {
        /* set_password ended every session, the new one too: make it again */
        if (store_session_create(c->db, token_hash, u.id, csrf, c->ip, now) != ERR_OK)
            log_msg(LOG_ERROR, c->req->id, "session create after rehash failed");
    }
    admin__set_cookie(c, admin__session_cookie_name(c->ad), token, ADMIN_SESSION_MAX_SECONDS);
    admin__set_cookie(c, login_cookie(c), STR_LIT(""), 0);
    struct str to = safe_next(next);
    admin__redirect(c, "%.*s", STR_FMT(to));
}

void admin__logout(struct admin_ctx *c)
{
    enum err e = store_session_delete(c->db, c->token_hash);
    if (e != ERR_OK) {
        admin__db_error(c, e, "logout");
        return;
    }
    admin__audit(c, "logout", c->user.name, STR_NULL);
    admin__set_cookie(c, admin__session_cookie_name(c->ad), STR_LIT(""), 0);
    c->logged_in = false;
    admin__redirect(c, "/admin/login?m=logged_out");
}

void admin__account(struct admin_ctx *c)
{
    admin__account_email_values(c);
    value_set_bool(c->a, c->root, "nav_account", true);
    admin__render(c, 200, "admin-account");
}

void admin__account_save(struct admin_ctx *c)
{
    struct str body = c->req->body;
    struct str old_pw = admin__field(c, body, "current");
    struct str pw = admin__field(c, body, "password");
    struct str pw2 = admin__field(c, body, "password2");
    const char *why = admin_password_check(pw);
    char hash[ADMIN_PW_HASH_BYTES];
    enum err e;

    if (why == NULL && !str_eq(pw, pw2))
        why = "admin.pw.mismatch";
    if (why == NULL && !hash_slot(c->ad))
        why = "admin.login.busy";
    if (why == NULL) {
        admin__unlock(c);
        if (!admin_password_verify(c->user.pw_hash, old_pw))
            why = "admin.pw.wrong";
        else if (admin_password_hash(pw, hash) != ERR_OK)
            why = "admin.login.busy";
        hash_release(c->ad);
        admin__lock(c);
    }
    if (why != NULL) {
        value_set_str(c->a, c->root, "error", admin__t(c, why));
        admin__account_email_values(c);
        value_set_bool(c->a, c->root, "nav_account", true);
        admin__render(c, 422, "admin-account");
        return;
    }
    int64_t now = utc_now();
    struct str csrf = admin__token(c->a);
    struct str token = admin__token(c->a);
    struct str token_hash = admin__sha256_hex(c->a, token);
    e = store_begin(c->db);
    /* every other session ends; this one is replaced by a fresh one */
    if (e == ERR_OK)
        e = store_user_set_password(c->db, c->user.id, str_from_cstr(hash));
    if (e == ERR_OK)
        e = store_session_create(c->db, token_hash, c->user.id, csrf, c->ip, now);
    if (e == ERR_OK)
        e = admin__audit_in(c, "user.password", c->user.name, STR_NULL);
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e != ERR_OK) {
        admin__db_error(c, e, "password change");
        return;
    }
    admin__set_cookie(c, admin__session_cookie_name(c->ad), token, ADMIN_SESSION_MAX_SECONDS);
    admin__redirect(c, "/admin/account?m=password_changed");
}
