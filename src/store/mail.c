/* mail.c: the e-mail digest's tables (migration 4): subscribers and their topics,
 * consent records, single-use tokens, the outbox (which is also the send log) and the
 * rate-limit counters. */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "store/db.h"
#include "store/mail.h"

static const char *const sub_states[] = {"pending", "active", "unsubscribed", "bounced"};
static const char *const outbox_states[] = {"queued", "sending", "sent", "failed"};

const char *store_sub_state_text(enum store_sub_state st)
{
    return (unsigned)st < 4 ? sub_states[st] : "pending";
}

const char *store_outbox_state_text(enum store_outbox_state st)
{
    return (unsigned)st < 4 ? outbox_states[st] : "queued";
}

static int state_index(const char *const *names, struct str text)
{
    for (int i = 0; i < 4; i++)
        if (str_eq_cstr(text, names[i]))
            return i;
    return 0;
}

/* ---- subscribers ---- */

#define SUB_COLS "id, email, state, weekly, key, created_at, confirmed_at, last_digest_at, lang"

static const char sql_sub_by_email[] = "SELECT " SUB_COLS " FROM mail_subscribers WHERE email = ?1";
static const char sql_sub_by_id[] = "SELECT " SUB_COLS " FROM mail_subscribers WHERE id = ?1";
static const char sql_sub_topics[] =
    "SELECT kind, ref_id FROM mail_subscriber_topics WHERE subscriber_id = ?1 "
    "ORDER BY kind, ref_id";

static void sub_read(struct arena *a, struct db_stmt *st, struct store_subscriber *out)
{
    memset(out, 0, sizeof *out);
    out->id = db_col_i64(st, 0);
    out->email = store__col_str(a, st, 1);
    out->state = (enum store_sub_state)state_index(sub_states, db_col_text(st, 2));
    out->weekly = db_col_int(st, 3) != 0;
    out->key = store__col_str(a, st, 4);
    out->created_at = db_col_i64(st, 5);
    out->confirmed_at = db_col_i64(st, 6);
    out->last_digest_at = db_col_i64(st, 7);
    out->lang = store__col_str(a, st, 8);
}

static enum err sub_topics(struct store *s, struct arena *a, struct store_subscriber *sub)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_sub_topics, &st);
    if (e != ERR_OK)
        return e;
    sub->tag_ids = arena_alloc_array(a, STORE_MAIL_MAX_TOPICS, sizeof(int64_t));
    sub->dept_ids = arena_alloc_array(a, STORE_MAIL_MAX_TOPICS, sizeof(int64_t));
    db_bind_i64(st, 1, sub->id);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        struct str kind = db_col_text(st, 0);
        int64_t ref = db_col_i64(st, 1);
        bool tag = kind.len > 0 && kind.ptr[0] == 't';
        if (sub->n_tags + sub->n_depts >= STORE_MAIL_MAX_TOPICS)
            break;
        if (tag)
            sub->tag_ids[sub->n_tags++] = ref;
        else
            sub->dept_ids[sub->n_depts++] = ref;
    }
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

static enum err sub_one(struct store *s, struct arena *a, struct db_stmt *st,
                        struct store_subscriber *out)
{
    enum err e = ERR_OK;
    int rc = db_step(st);
    if (rc == DB_ROW)
        sub_read(a, st, out);
    else if (rc == DB_DONE)
        e = ERR_NOTFOUND;
    else
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    if (e == ERR_OK)
        e = sub_topics(s, a, out);
    return e;
}

enum err store_subscriber_by_email(struct store *s, struct arena *a, struct str email,
                                   struct store_subscriber *out)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_sub_by_email, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, email);
    return sub_one(s, a, st, out);
}

enum err store_subscriber_by_id(struct store *s, struct arena *a, int64_t id,
                                struct store_subscriber *out)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_sub_by_id, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    return sub_one(s, a, st, out);
}

static const char sql_sub_insert[] =
    "INSERT INTO mail_subscribers (email, state, weekly, key, created_at, updated_at) "
    "VALUES (?1, 'pending', ?2, ?3, ?4, ?4)";

enum err store_subscriber_insert(struct store *s, struct str email, struct str key, bool weekly,
                                 int64_t now, int64_t *id)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_sub_insert, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, email);
    db_bind_i64(st, 2, weekly ? 1 : 0);
    db_bind_str(st, 3, key);
    db_bind_i64(st, 4, now);
    e = store__step_done(s, st);
    if (e == ERR_OK)
        *id = db_last_id(s);
    return e;
}

static const char sql_sub_state[] =
    "UPDATE mail_subscribers SET state = ?2, updated_at = ?3, "
    "confirmed_at = CASE WHEN ?2 = 'active' THEN ?3 ELSE confirmed_at END, "
    "last_digest_at = CASE WHEN ?2 = 'active' THEN ?3 ELSE last_digest_at END, "
    "failure = CASE WHEN ?2 = 'bounced' THEN failure ELSE '' END WHERE id = ?1";

enum err store_subscriber_set_state(struct store *s, int64_t id, enum store_sub_state stt,
                                    int64_t now)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_sub_state, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    db_bind_cstr(st, 2, store_sub_state_text(stt));
    db_bind_i64(st, 3, now);
    e = store__step_done(s, st);
    if (e == ERR_OK && db_changes(s) == 0)
        e = ERR_NOTFOUND;
    return e;
}

static const char sql_sub_weekly[] = "UPDATE mail_subscribers SET weekly = ?2 WHERE id = ?1";
static const char sql_topics_clear[] =
    "DELETE FROM mail_subscriber_topics WHERE subscriber_id = ?1";
static const char sql_topic_tag[] =
    "INSERT INTO mail_subscriber_topics (subscriber_id, kind, ref_id) "
    "SELECT ?1, 'tag', id FROM tags WHERE id = ?2 ON CONFLICT DO NOTHING";
static const char sql_topic_dept[] =
    "INSERT INTO mail_subscriber_topics (subscriber_id, kind, ref_id) "
    "SELECT ?1, 'dept', id FROM departments WHERE id = ?2 ON CONFLICT DO NOTHING";

static enum err exec_id2(struct store *s, const char *sql, int64_t a1, int64_t a2)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, a1);
    db_bind_i64(st, 2, a2);
    return store__step_done(s, st);
}

enum err store_subscriber_set_prefs(struct store *s, int64_t id, bool weekly,
                                    const int64_t *tag_ids, size_t n_tags, const int64_t *dept_ids,
                                    size_t n_depts)
{
    if (n_tags + n_depts > STORE_MAIL_MAX_TOPICS)
        return ERR_TOO_LARGE;
    enum err e = exec_id2(s, sql_sub_weekly, id, weekly ? 1 : 0);
    if (e == ERR_OK && db_changes(s) == 0)
        return ERR_NOTFOUND;
    if (e == ERR_OK) {
        struct db_stmt *st;
        e = store__prepare(s, sql_topics_clear, &st);
        if (e == ERR_OK) {
            db_bind_i64(st, 1, id);
            e = store__step_done(s, st);
        }
    }
    for (size_t i = 0; e == ERR_OK && i < n_tags; i++)
        e = exec_id2(s, sql_topic_tag, id, tag_ids[i]);
    for (size_t i = 0; e == ERR_OK && i < n_depts; i++)
        e = exec_id2(s, sql_topic_dept, id, dept_ids[i]);
    return e;
}

static const char sql_sub_digest_done[] =
    "UPDATE mail_subscribers SET last_digest_at = ?2 WHERE id = ?1";

enum err store_subscriber_digest_done(struct store *s, int64_t id, int64_t at)
{
    return exec_id2(s, sql_sub_digest_done, id, at);
}

static const char sql_sub_bounce[] =
    "UPDATE mail_subscribers SET state = 'bounced', failure = ?2, updated_at = ?3 "
    "WHERE email = ?1";

enum err store_subscriber_bounce(struct store *s, struct str email, struct str why, int64_t now)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_sub_bounce, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, email);
    db_bind_str(st, 2, str_sub(why, 0, why.len > 500 ? 500 : why.len));
    db_bind_i64(st, 3, now);
    return store__step_done(s, st);
}

static const char sql_subs_due[] =
    "SELECT id FROM mail_subscribers WHERE state = 'active' AND id > ?1 AND "
    "((weekly = 0 AND ?2 > 0 AND last_digest_at < ?2) OR "
    "(weekly = 1 AND ?3 > 0 AND last_digest_at < ?3)) ORDER BY id LIMIT ?4";

enum err store_subscribers_due(struct store *s, struct arena *a, int64_t daily_slot,
                               int64_t weekly_slot, int64_t after_id, size_t limit, int64_t **ids,
                               size_t *n)
{
    struct db_stmt *st;
    *ids = NULL;
    *n = 0;
    enum err e = store__prepare(s, sql_subs_due, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, after_id);
    db_bind_i64(st, 2, daily_slot);
    db_bind_i64(st, 3, weekly_slot);
    db_bind_i64(st, 4, (int64_t)limit);
    *ids = arena_alloc_array(a, limit > 0 ? limit : 1, sizeof(int64_t));
    int rc;
    while ((rc = db_step(st)) == DB_ROW && *n < limit)
        (*ids)[(*n)++] = db_col_i64(st, 0);
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

static const char sql_sub_erase[] = "DELETE FROM mail_subscribers WHERE id = ?1";

enum err store_subscriber_erase(struct store *s, int64_t id)
{
    /* ON DELETE CASCADE removes topics, consents, tokens and outbox rows. */
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_sub_erase, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    e = store__step_done(s, st);
    if (e == ERR_OK && db_changes(s) == 0)
        e = ERR_NOTFOUND;
    return e;
}

/* ---- consent ---- */

static const char sql_consent_add[] =
    "INSERT INTO mail_consents (subscriber_id, requested_at, text_version, ip_hash, "
    "user_agent) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_consent_confirm[] =
    "UPDATE mail_consents SET confirmed_at = ?2 WHERE id = (SELECT max(id) FROM mail_consents "
    "WHERE subscriber_id = ?1 AND confirmed_at = 0)";

enum err store_mail_consent_add(struct store *s, const struct store_consent_input *in)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_consent_add, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, in->subscriber_id);
    db_bind_i64(st, 2, in->requested_at);
    db_bind_str(st, 3, in->text_version);
    db_bind_str(st, 4, in->ip_hash);
    db_bind_str(st, 5, in->user_agent);
    return store__step_done(s, st);
}

enum err store_mail_consent_confirm(struct store *s, int64_t subscriber_id, int64_t now)
{
    return exec_id2(s, sql_consent_confirm, subscriber_id, now);
}

/* ---- tokens ---- */

static const char sql_token_add[] =
    "INSERT INTO mail_tokens (hash, subscriber_id, expires_at) VALUES (?1, ?2, ?3)";
static const char sql_token_get[] =
    "SELECT subscriber_id, expires_at, used_at FROM mail_tokens WHERE hash = ?1";
static const char sql_token_mark[] = "UPDATE mail_tokens SET used_at = ?2 WHERE hash = ?1";
static const char sql_token_live[] =
    "SELECT 1 FROM mail_tokens WHERE subscriber_id = ?1 AND used_at = 0 AND expires_at > ?2 "
    "LIMIT 1";
static const char sql_token_forget[] = "DELETE FROM mail_tokens WHERE expires_at < ?1";

enum err store_mail_token_add(struct store *s, struct str hash, int64_t subscriber_id,
                              int64_t expires_at)
{
    struct db_stmt *st;
    /* Expired tokens are useless: forget those a week past their expiry. */
    enum err e = store__prepare(s, sql_token_forget, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, expires_at - 9 * 86400);
    e = store__step_done(s, st);
    if (e == ERR_OK)
        e = store__prepare(s, sql_token_add, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, hash);
    db_bind_i64(st, 2, subscriber_id);
    db_bind_i64(st, 3, expires_at);
    return store__step_done(s, st);
}

enum err store_mail_token_use(struct store *s, struct str hash, int64_t now, int64_t *subscriber_id)
{
    struct db_stmt *st;
    int64_t expires = 0, used = 0;
    enum err e = store__prepare(s, sql_token_get, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, hash);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *subscriber_id = db_col_i64(st, 0);
        expires = db_col_i64(st, 1);
        used = db_col_i64(st, 2);
    } else if (rc == DB_DONE) {
        e = ERR_NOTFOUND;
    } else {
        e = store__db_fail(s, rc);
    }
    store__stmt_done(st);
    if (e != ERR_OK)
        return e;
    if (used != 0)
        return ERR_CONFLICT;
    if (expires <= now)
        return ERR_INVALID;
    e = store__prepare(s, sql_token_mark, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, hash);
    db_bind_i64(st, 2, now);
    return store__step_done(s, st);
}

enum err store_mail_token_live(struct store *s, int64_t subscriber_id, int64_t now, bool *live)
{
    struct db_stmt *st;
    *live = false;
    enum err e = store__prepare(s, sql_token_live, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, subscriber_id);
    db_bind_i64(st, 2, now);
    int rc = db_step(st);
    if (rc == DB_ROW)
        *live = true;
    else if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

/* ---- rate counters ---- */

static const char sql_rate_forget[] = "DELETE FROM mail_rate WHERE window_start < ?1";
static const char sql_rate_hit[] =
    "INSERT INTO mail_rate (key, window_start, count) VALUES (?1, ?2, 1) "
    "ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1 RETURNING count";

enum err store_mail_rate_hit(struct store *s, struct str key, int64_t window_start,
                             int64_t forget_before, int64_t *count)
{
    struct db_stmt *st;
    *count = 0;
    enum err e = store__prepare(s, sql_rate_forget, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, forget_before);
    e = store__step_done(s, st);
    if (e == ERR_OK)
        e = store__prepare(s, sql_rate_hit, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, key);
    db_bind_i64(st, 2, window_start);
    int rc = db_step(st);
    if (rc == DB_ROW)
        *count = db_col_i64(st, 0);
    else
        e = store__db_fail(s, rc);
    /* RETURNING: step to the end so the write completes before reset */
    if (e == ERR_OK)
        (void)db_step(st);
    store__stmt_done(st);
    return e;
}

/* ---- outbox ---- */

static const char sql_outbox_add[] =
    "INSERT INTO mail_outbox (subscriber_id, kind, rcpt, subject, message_id, body, "
    "next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)";

enum err store_outbox_add(struct store *s, const struct store_outbox_input *in, int64_t *id)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_outbox_add, &st);
    if (e != ERR_OK)
        return e;
    if (in->subscriber_id > 0)
        db_bind_i64(st, 1, in->subscriber_id);
    else
        db_bind_null(st, 1);
    db_bind_str(st, 2, in->kind);
    db_bind_str(st, 3, in->rcpt);
    db_bind_str(st, 4, in->subject);
    db_bind_str(st, 5, in->message_id);
    db_bind_blob(st, 6, in->body.ptr, in->body.len);
    db_bind_i64(st, 7, in->now);
    e = store__step_done(s, st);
    if (e == ERR_OK && id != NULL)
        *id = db_last_id(s);
    return e;
}

#define OUTBOX_COLS                                                                                \
    "id, coalesce(subscriber_id, 0), kind, rcpt, subject, message_id, state, attempts, "           \
    "next_attempt_at, created_at, sent_at, last_error"

static void outbox_read(struct arena *a, struct db_stmt *st, struct store_outbox_msg *out)
{
    memset(out, 0, sizeof *out);
    out->id = db_col_i64(st, 0);
    out->subscriber_id = db_col_i64(st, 1);
    out->kind = store__col_str(a, st, 2);
    out->rcpt = store__col_str(a, st, 3);
    out->subject = store__col_str(a, st, 4);
    out->message_id = store__col_str(a, st, 5);
    out->state = (enum store_outbox_state)state_index(outbox_states, db_col_text(st, 6));
    out->attempts = db_col_int(st, 7);
    out->next_attempt_at = db_col_i64(st, 8);
    out->created_at = db_col_i64(st, 9);
    out->sent_at = db_col_i64(st, 10);
    out->last_error = store__col_str(a, st, 11);
}

/* One statement claims: no other writer can take the same row between the choice and
 * the update. */
static const char sql_outbox_claim[] =
    "UPDATE mail_outbox SET state = 'sending', attempts = attempts + 1, claimed_by = ?3, "
    "next_attempt_at = ?2 WHERE id = (SELECT id FROM mail_outbox "
    "WHERE state IN ('queued', 'sending') AND next_attempt_at <= ?1 "
    "ORDER BY next_attempt_at, id LIMIT 1) RETURNING " OUTBOX_COLS ", body";

enum err store_outbox_claim(struct store *s, struct arena *a, int64_t now, int64_t lease_until,
                            int64_t claimer, struct store_outbox_msg *out)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_outbox_claim, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, now);
    db_bind_i64(st, 2, lease_until);
    db_bind_i64(st, 3, claimer);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        outbox_read(a, st, out);
        struct str blob = db_col_blob(st, 12);
        const void *b = blob.ptr;
        size_t n = blob.len;
        char *copy = arena_alloc(a, n + 1);
        if (n > 0)
            memcpy(copy, b, n);
        out->body = str_make(copy, n);
        rc = db_step(st);
        if (rc != DB_DONE)
            e = store__db_fail(s, rc);
    } else if (rc == DB_DONE) {
        e = ERR_NOTFOUND;
    } else {
        e = store__db_fail(s, rc);
    }
    store__stmt_done(st);
    return e;
}

/* The body is dropped by writing the empty blob, which each engine spells its own way
 * (X'' is a bit string on PostgreSQL). */
static const char sql_outbox_sent[] =
    "UPDATE mail_outbox SET state = 'sent', sent_at = ?2, body = X'', last_error = '', "
    "claimed_by = 0 WHERE id = ?1";
static const char sql_outbox_sent_pg[] =
    "UPDATE mail_outbox SET state = 'sent', sent_at = ?2, body = ''::BYTEA, last_error = '', "
    "claimed_by = 0 WHERE id = ?1";

enum err store_outbox_sent(struct store *s, int64_t id, int64_t now)
{
    return exec_id2(s, store__sql(s, sql_outbox_sent, sql_outbox_sent_pg), id, now);
}

static const char sql_outbox_retry[] =
    "UPDATE mail_outbox SET state = 'queued', next_attempt_at = ?2, last_error = ?3, "
    "claimed_by = 0 WHERE id = ?1";
static const char sql_outbox_fail[] =
    "UPDATE mail_outbox SET state = 'failed', sent_at = ?2, last_error = ?3, body = X'', "
    "claimed_by = 0 WHERE id = ?1";
static const char sql_outbox_fail_pg[] =
    "UPDATE mail_outbox SET state = 'failed', sent_at = ?2, last_error = ?3, body = ''::BYTEA, "
    "claimed_by = 0 WHERE id = ?1";

static enum err outbox_set(struct store *s, const char *sql, int64_t id, int64_t t,
                           struct str error)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    db_bind_i64(st, 2, t);
    db_bind_str(st, 3, str_sub(error, 0, error.len > 500 ? 500 : error.len));
    return store__step_done(s, st);
}

enum err store_outbox_retry(struct store *s, int64_t id, int64_t next_at, struct str error)
{
    return outbox_set(s, sql_outbox_retry, id, next_at, error);
}

enum err store_outbox_fail(struct store *s, int64_t id, int64_t now, struct str error)
{
    return outbox_set(s, store__sql(s, sql_outbox_fail, sql_outbox_fail_pg), id, now, error);
}

static const char sql_outbox_claimers[] =
    "SELECT DISTINCT claimed_by FROM mail_outbox WHERE state = 'sending'";
static const char sql_outbox_requeue[] =
    "UPDATE mail_outbox SET state = 'queued', next_attempt_at = ?2, claimed_by = 0 "
    "WHERE state = 'sending' AND claimed_by = ?1";

enum err store_outbox_recover(struct store *s, bool (*alive)(int64_t claimer), int64_t now,
                              int64_t *n)
{
    struct db_stmt *st;
    int64_t dead[64];
    size_t n_dead = 0;
    *n = 0;
    enum err e = store__prepare(s, sql_outbox_claimers, &st);
    if (e != ERR_OK)
        return e;
    int rc;
    while ((rc = db_step(st)) == DB_ROW && n_dead < 64) {
        int64_t c = db_col_i64(st, 0);
        if (!alive(c))
            dead[n_dead++] = c;
    }
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    for (size_t i = 0; e == ERR_OK && i < n_dead; i++) {
        e = exec_id2(s, sql_outbox_requeue, dead[i], now);
        if (e == ERR_OK)
            *n += db_changes(s);
    }
    return e;
}

static const char sql_outbox_next[] =
    "SELECT min(next_attempt_at) FROM mail_outbox WHERE state IN ('queued', 'sending')";

enum err store_outbox_next_due(struct store *s, int64_t *at)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_outbox_next, &st);
    if (e != ERR_OK)
        return e;
    return store__one_i64(s, st, at);
}

static const char sql_outbox_log[] =
    "SELECT " OUTBOX_COLS " FROM mail_outbox WHERE (?1 = 0 OR id < ?1) "
    "AND (?2 = 0 OR state = 'failed' OR last_error <> '') ORDER BY id DESC LIMIT ?3";

enum err store_outbox_log(struct store *s, struct arena *a, int64_t before_id, bool failed_only,
                          size_t limit, struct store_outbox_msg **items, size_t *n)
{
    struct db_stmt *st;
    *items = NULL;
    *n = 0;
    if (limit == 0 || limit > STORE_MAX_LIST_LIMIT)
        return ERR_INVALID;
    enum err e = store__prepare(s, sql_outbox_log, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, before_id);
    db_bind_i64(st, 2, failed_only ? 1 : 0);
    db_bind_i64(st, 3, (int64_t)limit);
    *items = arena_alloc_array(a, limit, sizeof **items);
    int rc;
    while ((rc = db_step(st)) == DB_ROW && *n < limit)
        outbox_read(a, st, &(*items)[(*n)++]);
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

static enum err state_counts(struct store *s, const char *sql, const char *const *names,
                             int64_t counts[4])
{
    struct db_stmt *st;
    memset(counts, 0, 4 * sizeof counts[0]);
    enum err e = store__prepare(s, sql, &st);
    if (e != ERR_OK)
        return e;
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        counts[state_index(names, db_col_text(st, 0))] = db_col_i64(st, 1);
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

static const char sql_outbox_counts[] = "SELECT state, count(*) FROM mail_outbox GROUP BY state";
static const char sql_sub_counts[] = "SELECT state, count(*) FROM mail_subscribers GROUP BY state";

enum err store_outbox_counts(struct store *s, int64_t counts[4])
{
    return state_counts(s, sql_outbox_counts, outbox_states, counts);
}

enum err store_subscriber_counts(struct store *s, int64_t counts[4])
{
    return state_counts(s, sql_sub_counts, sub_states, counts);
}

static const char sql_topic_counts_tags[] =
    "SELECT t.id, t.slug, t.name, count(*) FROM mail_subscriber_topics m "
    "JOIN mail_subscribers s ON s.id = m.subscriber_id AND s.state = 'active' "
    "JOIN tags t ON t.id = m.ref_id WHERE m.kind = 'tag' GROUP BY t.id ORDER BY 4 DESC, t.name";
static const char sql_topic_counts_depts[] =
    "SELECT d.id, d.slug, d.name, count(*) FROM mail_subscriber_topics m "
    "JOIN mail_subscribers s ON s.id = m.subscriber_id AND s.state = 'active' "
    "JOIN departments d ON d.id = m.ref_id WHERE m.kind = 'dept' GROUP BY d.id "
    "ORDER BY 4 DESC, d.name";

static enum err topic_counts(struct store *s, struct arena *a, const char *sql,
                             struct store_ref **items, size_t *n)
{
    struct db_stmt *st;
    *items = NULL;
    *n = 0;
    enum err e = store__prepare(s, sql, &st);
    if (e != ERR_OK)
        return e;
    return store__refs_read(s, a, st, items, n);
}

enum err store_subscriber_topic_counts(struct store *s, struct arena *a, struct store_ref **tags,
                                       size_t *n_tags, struct store_ref **depts, size_t *n_depts)
{
    enum err e = topic_counts(s, a, sql_topic_counts_tags, tags, n_tags);
    if (e == ERR_OK)
        e = topic_counts(s, a, sql_topic_counts_depts, depts, n_depts);
    return e;
}

static const char sql_subs_page[] =
    "SELECT " SUB_COLS " FROM mail_subscribers WHERE id > ?1 ORDER BY id LIMIT ?2";

enum err store_subscribers_page(struct store *s, struct arena *a, int64_t after_id, size_t limit,
                                struct store_subscriber **items, size_t *n)
{
    struct db_stmt *st;
    *items = NULL;
    *n = 0;
    if (limit == 0 || limit > STORE_MAX_LIST_LIMIT)
        return ERR_INVALID;
    enum err e = store__prepare(s, sql_subs_page, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, after_id);
    db_bind_i64(st, 2, (int64_t)limit);
    *items = arena_alloc_array(a, limit, sizeof **items);
    int rc;
    while ((rc = db_step(st)) == DB_ROW && *n < limit)
        sub_read(a, st, &(*items)[(*n)++]);
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    for (size_t i = 0; e == ERR_OK && i < *n; i++)
        e = sub_topics(s, a, &(*items)[i]);
    return e;
}

/* ---- digest articles ---- */

/* The topic sets travel as JSON arrays of ids ("[3,7]"); json_each keeps the SQL text
 * constant whatever their size. */
#define MAIL_ARTICLES(ids4, ids5)                                                                  \
    "SELECT a.id, a.slug, a.title, a.lead, a.published_at, p.id, p.hash, p.width, p.height, "      \
    "p.caption, p.alt FROM articles a LEFT JOIN photos p ON p.article_id = a.id AND p.pos = 0 "    \
    "WHERE a.status IN ('published', 'scheduled') AND a.published_at > ?1 "                        \
    "AND a.published_at <= ?2 AND (?3 = 0 OR "                                                     \
    "EXISTS (SELECT 1 FROM article_tags t WHERE t.article_id = a.id "                              \
    "AND t.tag_id IN (" ids4 ")) OR "                                                              \
    "EXISTS (SELECT 1 FROM article_departments d WHERE d.article_id = a.id "                       \
    "AND d.department_id IN (" ids5 "))) "                                                         \
    "ORDER BY a.published_at DESC, a.id DESC LIMIT ?6"
static const char sql_mail_articles[] =
    MAIL_ARTICLES("SELECT value FROM json_each(?4)", "SELECT value FROM json_each(?5)");
/* PostgreSQL's: the array's elements through jsonb, the parameter itself text (db_pg.c
 * sends text in text's binary form, which is not jsonb's) */
#define PG_IDS(n)                                                                                  \
    "SELECT CAST(value AS BIGINT) FROM jsonb_array_elements_text(CAST(CAST(" n                     \
    " AS TEXT) AS JSONB))"
static const char sql_mail_articles_pg[] = MAIL_ARTICLES(PG_IDS("?4"), PG_IDS("?5"));

static void ids_json(struct buf *b, const int64_t *ids, size_t n)
{
    buf_append_char(b, '[');
    for (size_t i = 0; i < n; i++)
        buf_appendf(b, "%s%lld", i > 0 ? "," : "", (long long)ids[i]);
    buf_append_char(b, ']');
}

enum err store_mail_articles(struct store *s, struct arena *a, int64_t since, int64_t until,
                             const int64_t *tag_ids, size_t n_tags, const int64_t *dept_ids,
                             size_t n_depts, size_t limit, struct store_summary **items, size_t *n,
                             bool *has_more)
{
    struct db_stmt *st;
    struct buf tj, dj;
    *items = NULL;
    *n = 0;
    *has_more = false;
    if (limit == 0 || limit > STORE_MAX_LIST_LIMIT || n_tags + n_depts > STORE_MAIL_MAX_TOPICS)
        return ERR_INVALID;
    enum err e = store__prepare(s, store__sql(s, sql_mail_articles, sql_mail_articles_pg), &st);
    if (e != ERR_OK)
        return e;
    buf_init(&tj, 32 * STORE_MAIL_MAX_TOPICS);
    buf_init(&dj, 32 * STORE_MAIL_MAX_TOPICS);
    ids_json(&tj, tag_ids, n_tags);
    ids_json(&dj, dept_ids, n_depts);
    db_bind_i64(st, 1, since);
    db_bind_i64(st, 2, until);
    db_bind_i64(st, 3, n_tags + n_depts > 0 ? 1 : 0);
    db_bind_str(st, 4, buf_str(&tj));
    db_bind_str(st, 5, buf_str(&dj));
    db_bind_i64(st, 6, (int64_t)limit + 1);
    *items = arena_alloc_array(a, limit, sizeof **items);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == limit) {
            *has_more = true;
            break;
        }
        store__summary_read(a, st, &(*items)[(*n)++]);
    }
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    buf_free(&tj);
    buf_free(&dj);
    return e;
}
