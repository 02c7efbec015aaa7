/* subscribe.c: the double opt-in rules. Whatever the state of a valid address, the
 * reader sees the same answer, and at most one confirmation is in flight per address:
 * the form cannot be used to learn who subscribes, nor to mail-bomb a stranger. */
#include <string.h>

#include "core/log.h"
#include "mail/mail_internal.h"
#include "store/mail_lang.h"
#include "store/translations.h"

static enum err rate_hit(struct store *w, const struct mail_site *site, const char *label,
                         struct str text, int64_t window, int64_t now, int64_t *count)
{
    struct buf key;
    buf_init(&key, 128);
    enum err e = buf_appendf(&key, "%s:", label);
    if (e == ERR_OK)
        e = mail_keyed_hash(site->secret, label, text, &key);
    if (e == ERR_OK)
        e = store_mail_rate_hit(w, buf_str(&key), now - now % window, now - 2 * 86400, count);
    buf_free(&key);
    return e;
}

/* pending_with_mail makes sub pending with the new topics, records the consent and
 * queues a confirmation. */
static enum err pending_with_mail(struct store *w, struct arena *a, const struct mail_site *site,
                                  const struct mail_subscribe_input *in,
                                  struct store_subscriber *sub, struct str ip_hash)
{
    enum err e = ERR_OK;
    if (sub->state != STORE_SUB_PENDING)
        e = store_subscriber_set_state(w, sub->id, STORE_SUB_PENDING, in->now);
    if (e == ERR_OK)
        e = store_subscriber_set_prefs(w, sub->id, in->weekly, in->tag_ids, in->n_tags,
                                       in->dept_ids, in->n_depts);
    /* the language of the form they used: the confirmation and digests follow it */
    struct str lang = in->lang.len > 0 ? in->lang : STR_LIT(STORE_LANG_UK);
    if (e == ERR_OK)
        e = store_subscriber_set_lang(w, sub->id, lang);
    if (e == ERR_OK)
        sub->lang = lang;
    if (e == ERR_OK) {
        struct str ua = in->user_agent;
        if (ua.len > MAIL_MAX_USER_AGENT_BYTES)
            ua.len = MAIL_MAX_USER_AGENT_BYTES;
        while (ua.len > 0 && ((unsigned char)ua.ptr[ua.len] & 0xC0) == 0x80 &&
               ua.len < in->user_agent.len)
            ua.len--; /* never keep half a character */
        struct store_consent_input c = {
            .subscriber_id = sub->id,
            .requested_at = in->now,
            .text_version = STR_LIT(MAIL_CONSENT_VERSION),
            .ip_hash = ip_hash,
            .user_agent = ua,
        };
        e = store_mail_consent_add(w, &c);
    }
    if (e == ERR_OK)
        e = mail__confirm_queue(w, a, site, sub, in->now);
    return e;
}

enum err mail_subscribe(struct store *w, struct arena *a, const struct mail_site *site,
                        const struct mail_limits *limits, const struct mail_subscribe_input *in,
                        enum mail_sub_outcome *outcome, enum mail_addr_problem *why)
{
    struct buf email, ip_hash;
    struct store_subscriber sub;
    int64_t count = 0;
    enum err e;

    *outcome = MAIL_SUB_ACCEPTED;
    buf_init(&email, 4 * MAIL_MAX_ADDRESS_BYTES);
    buf_init(&ip_hash, 64);
    if (mail_address_normalize(in->email, &email, why) != ERR_OK) {
        *outcome = MAIL_SUB_BAD_ADDRESS;
        buf_free(&email);
        buf_free(&ip_hash);
        return ERR_OK;
    }
    e = mail_keyed_hash(site->secret, "ip", in->ip, &ip_hash);
    if (e != ERR_OK) {
        buf_free(&email);
        buf_free(&ip_hash);
        return e;
    }
    e = store_begin(w);
    if (e != ERR_OK)
        goto out;
    e = rate_hit(w, site, "ip", in->ip, 3600, in->now, &count);
    if (e != ERR_OK)
        goto out;
    if (count > limits->ip_per_hour) {
        *outcome = MAIL_SUB_RATE_LIMITED;
        goto commit;
    }
    e = rate_hit(w, site, "addr", buf_str(&email), 86400, in->now, &count);
    if (e != ERR_OK)
        goto out;
    if (count > limits->addr_per_day)
        goto commit; /* silently: the answer must not differ */

    e = store_subscriber_by_email(w, a, buf_str(&email), &sub);
    if (e == ERR_NOTFOUND) {
        struct buf key;
        int64_t id = 0;
        buf_init(&key, 64);
        e = mail_random_hex(16, &key);
        if (e == ERR_OK)
            e = store_subscriber_insert(w, buf_str(&email), buf_str(&key), in->weekly, in->now,
                                        &id);
        buf_free(&key);
        if (e == ERR_OK)
            e = store_subscriber_by_id(w, a, id, &sub);
        if (e == ERR_OK)
            e = pending_with_mail(w, a, site, in, &sub, buf_str(&ip_hash));
    } else if (e == ERR_OK) {
        bool live = false;
        switch (sub.state) {
        case STORE_SUB_PENDING:
            e = store_mail_token_live(w, sub.id, in->now, &live);
            if (e == ERR_OK && !live)
                e = pending_with_mail(w, a, site, in, &sub, buf_str(&ip_hash));
            break;
        case STORE_SUB_UNSUBSCRIBED:
            e = pending_with_mail(w, a, site, in, &sub, buf_str(&ip_hash));
            break;
        case STORE_SUB_ACTIVE:  /* already receiving: a stranger must not change that */
        case STORE_SUB_BOUNCED: /* the server refused it for good */
            break;
        }
    }
    if (e != ERR_OK)
        goto out;
commit:
    e = store_commit(w);
out:
    if (e != ERR_OK)
        store_rollback(w);
    buf_free(&email);
    buf_free(&ip_hash);
    return e;
}

enum err mail_confirm(struct store *w, const struct mail_site *site, struct str token, int64_t now,
                      enum mail_token_outcome *outcome)
{
    struct buf hash;
    int64_t id = 0, token_id = 0;
    struct arena *a;
    struct store_subscriber sub;
    enum err e;

    *outcome = MAIL_TOKEN_INVALID;
    buf_init(&hash, 128);
    if (!mail_token_confirm_check(site->secret, token, &id, &hash)) {
        buf_free(&hash);
        return ERR_OK;
    }
    a = arena_new(4096);
    e = store_begin(w);
    if (e != ERR_OK)
        goto out;
    e = store_mail_token_use(w, buf_str(&hash), now, &token_id);
    if (e == ERR_NOTFOUND || (e == ERR_OK && token_id != id)) {
        e = ERR_OK;
        goto rollback;
    }
    if (e == ERR_CONFLICT || e == ERR_INVALID) {
        *outcome = e == ERR_CONFLICT ? MAIL_TOKEN_USED : MAIL_TOKEN_EXPIRED;
        e = ERR_OK;
        goto rollback;
    }
    if (e == ERR_OK)
        e = store_subscriber_by_id(w, a, id, &sub);
    if (e == ERR_NOTFOUND) {
        e = ERR_OK;
        goto rollback;
    }
    if (e != ERR_OK)
        goto out;
    if (sub.state == STORE_SUB_PENDING) {
        e = store_subscriber_set_state(w, id, STORE_SUB_ACTIVE, now);
        if (e == ERR_OK)
            e = store_mail_consent_confirm(w, id, now);
    }
    if (e == ERR_OK)
        e = store_commit(w);
    if (e == ERR_OK)
        *outcome = sub.state == STORE_SUB_BOUNCED ? MAIL_TOKEN_INVALID : MAIL_TOKEN_OK;
    goto out;
rollback:
    store_rollback(w);
out:
    if (e != ERR_OK)
        store_rollback(w);
    arena_free(a);
    buf_free(&hash);
    return e;
}

/* link_subscriber checks a link token and loads its subscriber. */
static enum err link_subscriber(struct store *s, struct arena *a, const struct mail_site *site,
                                char purpose, struct str token, struct store_subscriber *sub,
                                enum mail_token_outcome *outcome)
{
    int64_t id;
    *outcome = MAIL_TOKEN_INVALID;
    if (!mail_token_link_id(token, &id))
        return ERR_OK;
    enum err e = store_subscriber_by_id(s, a, id, sub);
    if (e == ERR_NOTFOUND)
        return ERR_OK;
    if (e != ERR_OK)
        return e;
    if (mail_token_link_check(site->secret, purpose, id, sub->key, token))
        *outcome = MAIL_TOKEN_OK;
    return ERR_OK;
}

enum err mail_unsubscribe(struct store *w, struct arena *a, const struct mail_site *site,
                          struct str token, int64_t now, enum mail_token_outcome *outcome)
{
    struct store_subscriber sub;
    enum err e = store_begin(w);
    if (e != ERR_OK)
        return e;
    e = link_subscriber(w, a, site, 'u', token, &sub, outcome);
    if (e == ERR_OK && *outcome == MAIL_TOKEN_OK &&
        (sub.state == STORE_SUB_ACTIVE || sub.state == STORE_SUB_PENDING))
        e = store_subscriber_set_state(w, sub.id, STORE_SUB_UNSUBSCRIBED, now);
    if (e == ERR_OK)
        e = store_commit(w);
    if (e != ERR_OK)
        store_rollback(w);
    return e;
}

enum err mail_prefs_load(struct store *s, struct arena *a, const struct mail_site *site,
                         struct str token, struct store_subscriber *sub,
                         enum mail_token_outcome *outcome)
{
    return link_subscriber(s, a, site, 'p', token, sub, outcome);
}

enum err mail_prefs_save(struct store *w, struct arena *a, const struct mail_site *site,
                         struct str token, bool weekly, const int64_t *tag_ids, size_t n_tags,
                         const int64_t *dept_ids, size_t n_depts, struct str lang,
                         enum mail_token_outcome *outcome)
{
    struct store_subscriber sub;
    enum err e = store_begin(w);
    if (e != ERR_OK)
        return e;
    e = lang.len > 0 && !store_mail_lang_valid(lang) ? ERR_INVALID : ERR_OK;
    if (e == ERR_OK)
        e = link_subscriber(w, a, site, 'p', token, &sub, outcome);
    if (e == ERR_OK && *outcome == MAIL_TOKEN_OK)
        e = store_subscriber_set_prefs(w, sub.id, weekly, tag_ids, n_tags, dept_ids, n_depts);
    if (e == ERR_OK && *outcome == MAIL_TOKEN_OK && lang.len > 0)
        e = store_subscriber_set_lang(w, sub.id, lang);
    if (e == ERR_OK)
        e = store_commit(w);
    if (e != ERR_OK)
        store_rollback(w);
    return e;
}
