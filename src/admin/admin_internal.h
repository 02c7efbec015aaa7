/* admin_internal.h: what the files of src/admin/ share. Not for other modules. */
#ifndef VISNYK_ADMIN_ADMIN_INTERNAL_H
#define VISNYK_ADMIN_ADMIN_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "admin/admin.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/workdays.h"
#include "http/http.h"
#include "render/value.h"
#include "store/accounts.h"
#include "store/editorial.h"
#include "store/sidetext.h"

#define ADMIN__MAX_ROUTES 128
#define ADMIN__PAGE_SIZE 50
#define ADMIN__BULK_MAX ADMIN__PAGE_SIZE /* articles one bulk action takes: one list page */
#define ADMIN__MAX_PAGE_BYTES (4 * 1024 * 1024)

struct admin;
struct admin_ctx;
typedef void (*admin_fn)(struct admin_ctx *c);

/* role 0: no session needed (login); otherwise the least role that may call it. */
struct admin_route {
    struct admin *ad;
    admin_fn fn;
    int role;
};

struct media_worker;

struct admin {
    char *db_path, *media_dir;
    struct site *site;
    struct alert_feed *alert; /* NULL: no automatic banner configured */
    bool tls;
    pthread_mutex_t lock; /* guards db */
    struct store *db;
    struct media_worker *worker; /* NULL: uploads refused */
    atomic_int hashing;          /* password hashes running */
    struct admin_route routes[ADMIN__MAX_ROUTES];
    struct workdays_calendar holidays; /* the operator's `holidays` (registry drafts) */
    unsigned requests_keep_days;       /* admin_config.requests_keep_days */
    size_t n_routes;
    /* scheduler */
    struct http_server *srv;
    pthread_t sched;
    bool sched_running;
    pthread_mutex_t sched_lock;
    pthread_cond_t sched_cond;
    bool sched_stop;
};

/* One workspace request. */
struct admin_ctx {
    struct admin *ad;
    struct http_request *req;
    struct http_response *res;
    struct arena *a;
    struct store *db; /* ad->db while locked, else NULL */
    bool locked;
    bool logged_in;
    struct store_user user;
    struct str token_hash;
    struct str csrf;
    struct str ip;
    struct value *root;
};

/* core.c */
void admin__add(struct admin *ad, struct http_router *r, enum http_method m, const char *pattern,
                admin_fn fn, int role, size_t max_body);
void admin__lock(struct admin_ctx *c);
void admin__unlock(struct admin_ctx *c);
bool admin__is(const struct admin_ctx *c, enum store_role role);
/* Forms: first value of name (urlencoded body or query), trimmed of nothing; empty
 * str when absent. */
struct str admin__field(struct admin_ctx *c, struct str form, const char *name);
/* admin__fields collects every value of a repeated field (checkboxes). */
size_t admin__fields(struct admin_ctx *c, struct str form, const char *name, struct str *out,
                     size_t max);
bool admin__field_i64(struct admin_ctx *c, struct str form, const char *name, int64_t *out);
bool admin__csrf_ok(struct admin_ctx *c, struct str token);
/* Rendering: root gets user, csrf, nav; status as given. */
void admin__render(struct admin_ctx *c, int status, const char *tmpl);
/* admin__message renders a page with one message (catalog key) and status. */
void admin__message(struct admin_ctx *c, int status, const char *title_key, const char *text_key);
/* admin__path_id reads the route's first parameter (:id) as a positive integer into *id;
 * anything else answers the 404 page and gives false. */
bool admin__path_id(struct admin_ctx *c, int64_t *id);
void admin__redirect(struct admin_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
struct str admin__t(struct admin_ctx *c, const char *key);
struct str admin__date(struct admin_ctx *c, int64_t utc);
/* "YYYY-MM-DDTHH:MM" in Kyiv time, for <input type="datetime-local">. */
struct str admin__date_input(struct admin_ctx *c, int64_t utc);
/* admin__audit records an action in a transaction of its own (after the change committed);
 * admin__audit_in applies it inside the caller's write transaction, so the change and its
 * entry commit together. Both name the signed-in user (or nobody), the client's address
 * and the request id. */
void admin__audit(struct admin_ctx *c, const char *action, struct str object, struct str detail);
ERR_MUST_USE
enum err admin__audit_in(struct admin_ctx *c, const char *action, struct str object,
                         struct str detail);
void admin__invalidate(struct admin_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void admin__db_error(struct admin_ctx *c, enum err e, const char *what);
/* admin__client_ip: the request's client address (the forwarded one behind trusted_proxies). */
struct str admin__client_ip(struct admin *ad, struct http_request *req);
/* admin__cookie: the value of cookie name in the request, STR_NULL when absent. */
struct str admin__cookie(struct http_request *req, const char *name);
const char *admin__session_cookie_name(const struct admin *ad);
void admin__set_cookie(struct admin_ctx *c, const char *name, struct str value, int max_age);
/* Random tokens: 16 bytes as 32 hex characters; sha256 hex of a token. */
struct str admin__token(struct arena *a);
struct str admin__sha256_hex(struct arena *a, struct str s);
struct str admin__int_str(struct arena *a, int64_t v);

/* login.c */
void admin__login_form(struct admin_ctx *c);
void admin__login(struct admin_ctx *c);
void admin__logout(struct admin_ctx *c);
void admin__account(struct admin_ctx *c);
void admin__account_save(struct admin_ctx *c);
/* admin__session_load fills c->user from the session cookie; false when there is no
 * valid session (expired ones are ended). Needs the lock. */
bool admin__session_load(struct admin_ctx *c);

/* articles.c */
void admin__home(struct admin_ctx *c);
void admin__articles(struct admin_ctx *c);
/* admin__articles_bulk: publish, withdraw or tag the articles ticked in the list, in one
 * transaction (editors). */
void admin__articles_bulk(struct admin_ctx *c);
void admin__article_new(struct admin_ctx *c);
void admin__article_edit(struct admin_ctx *c);
void admin__article_save(struct admin_ctx *c);
void admin__article_preview(struct admin_ctx *c);
void admin__revisions(struct admin_ctx *c);
void admin__diff(struct admin_ctx *c);
void admin__restore(struct admin_ctx *c);
/* admin__article_invalidate drops every cached page that may show article id with
 * these tags and departments (call with the ids from before and after a change). */
void admin__article_invalidate(struct admin_ctx *c, int64_t id, const int64_t *tags, size_t nt,
                               const int64_t *depts, size_t nd);

/* translations.c: the English translation of article :id (form and save, editors) and
 * the published Ukrainian articles without one. */
void admin__translation_edit(struct admin_ctx *c);
void admin__translation_save(struct admin_ctx *c);
void admin__translations_missing(struct admin_ctx *c);

/* uploads.c: shared by the photo and document uploads. admin__upload_article_load
 * reads the article named by the route's first parameter and answers 404/403/503 itself
 * (returning false) when it is missing or the user may not change it (an author: own
 * drafts only). admin__upload_article_invalidate drops its cached pages.
 * admin__upload_label is the client's file name made printable (or "#i+1"), and
 * admin__upload_result adds one file's outcome to the list the upload page shows. */
bool admin__upload_article_load(struct admin_ctx *c, int64_t *id, struct store_article *art,
                                struct store_article_meta *meta);
void admin__upload_article_invalidate(struct admin_ctx *c, int64_t id);
const char *admin__upload_label(struct admin_ctx *c, struct str filename, size_t i);
void admin__upload_result(struct admin_ctx *c, struct value *list, const char *label, bool ok,
                          struct str message);
/* admin__upload_finish ends an upload of n_files: drops the article's cached pages when
 * any file was kept, then redirects to done_url_fmt (one %lld: the article id) when all
 * were, or shows page with each file's outcome (422). */
void admin__upload_finish(struct admin_ctx *c, int64_t id, struct str title, struct value *results,
                          size_t n_ok, size_t n_files, const char *done_url_fmt, const char *page);

/* gallery.c */
void admin__photos_upload(struct admin_ctx *c);
void admin__photos_arrange(struct admin_ctx *c);
/* admin__article_gallery_refused answers a gallery save that was not made (status 409:
 * from a form older than the gallery; 403: by an author whose article is with the
 * editors): the edit page with error_key, what the editor typed in the gallery in place
 * of the stored values, and for 409 the current gallery version (so saving again goes
 * through) and who saved the gallery last and when. (articles.c) */
void admin__article_gallery_refused(struct admin_ctx *c, int64_t id,
                                    const struct store_photo_edit *typed, size_t n_typed,
                                    int status, const char *error_key);
/* admin__article_takeback: an author takes their article back from review to a draft. */
void admin__article_takeback(struct admin_ctx *c);

/* documents.c: PDF documents attached to an article. */
void admin__documents_upload(struct admin_ctx *c);
void admin__documents_arrange(struct admin_ctx *c);
/* admin__documents_values adds the article's documents to v (the edit page's article
 * object): "documents" (id, n, title, size, pages, url), "n_documents", "can_documents"
 * (can_edit) and "doc_max_mb". Needs the lock. */
void admin__documents_values(struct admin_ctx *c, struct value *v, int64_t article_id,
                             bool can_edit);

/* manage.c */
void admin__tags(struct admin_ctx *c);
void admin__tag_save(struct admin_ctx *c);
void admin__tag_merge(struct admin_ctx *c);
void admin__depts(struct admin_ctx *c);
void admin__dept_add(struct admin_ctx *c);
void admin__dept_save(struct admin_ctx *c);

/* people.c: a department's details. Limits in code points. */
#define ADMIN_DEPT_MAX_LINE_CHARS 300        /* head's name and position, address */
#define ADMIN_DEPT_MAX_FUNCTIONS_CHARS 20000 /* Markdown */
#define ADMIN_DEPT_MAX_HOURS_CHARS 1000
#define ADMIN_DEPT_MAX_PHONE_CHARS 40
#define ADMIN_DEPT_MAX_EMAIL_CHARS 254 /* RFC 5321's path limit */
#define ADMIN_DEPT_MIN_PHONE_DIGITS 5  /* a short local number */
#define ADMIN_DEPT_MAX_PHONE_DIGITS 15 /* E.164 */
void admin__dept_edit(struct admin_ctx *c);
void admin__dept_details_save(struct admin_ctx *c);
/* admin__dept_details_check checks every field of d (single-line ones trimmed in place,
 * the e-mail replaced by its normalised form in a) and sets problem[f] to the catalog
 * key of what is wrong with field f, or NULL; returns how many fields are bad. */
size_t admin__dept_details_check(struct arena *a, struct store_dept_details *d,
                                 const char *problem[STORE_DEPT_N_FIELDS]);
/* admin__phone_problem: NULL for a phone number fit for a tel: link (digits, spaces,
 * dashes, brackets, '+' first; 5 to 15 digits), else the catalog key of the error. */
const char *admin__phone_problem(struct str phone);
void admin__pages(struct admin_ctx *c);
void admin__page_edit(struct admin_ctx *c);
void admin__page_save(struct admin_ctx *c);
void admin__page_delete(struct admin_ctx *c);
void admin__banner(struct admin_ctx *c);
void admin__banner_save(struct admin_ctx *c);
void admin__banner_clear(struct admin_ctx *c);
void admin__settings(struct admin_ctx *c);
void admin__settings_save(struct admin_ctx *c);
void admin__users(struct admin_ctx *c);
void admin__user_add(struct admin_ctx *c);
void admin__user_save(struct admin_ctx *c);
void admin__audit_view(struct admin_ctx *c);

/* diff.c: line diff of two texts. */
enum admin_diff_op { ADMIN_DIFF_SAME, ADMIN_DIFF_ADD, ADMIN_DIFF_DEL };
struct admin_diff_line {
    enum admin_diff_op op;
    struct str text;
};
/* admin__diff_lines diffs a against b line by line (arena memory). Common prefix and
 * suffix are found first; the middle gets an exact LCS when it is small enough
 * (ADMIN__DIFF_MAX_CELLS), else it shows as all removed then all added. */
#define ADMIN__DIFF_MAX_CELLS ((size_t)4 * 1000 * 1000)
void admin__diff_lines(struct arena *a, struct str old_text, struct str new_text,
                       struct admin_diff_line **out, size_t *n);

/* autosave.c: texts kept beside an article (store/sidetext.h).
 *   POST /admin/articles/:id/autosave             the form as typed (admin.js), 204
 *   POST /admin/articles/:id/side/:kind/discard   drop the user's autosave or refused text
 * admin__side_kind reads "auto" or "refused"; admin__side_from_post reads the edit form
 * of article id as this user's text; admin__side_values puts "autosaved" and "refused"
 * (at, id) on the edit page when the user has them (needs the lock). */
void admin__autosave(struct admin_ctx *c);
void admin__side_discard(struct admin_ctx *c);
bool admin__side_kind(struct str text, enum store_side_kind *kind);
void admin__side_from_post(struct admin_ctx *c, int64_t id, struct store_side_text *t);
void admin__side_values(struct admin_ctx *c, int64_t id);
/* GET /admin/articles/:id/side/:kind: the current text against the side text (articles.c) */
void admin__side_diff(struct admin_ctx *c);

/* presence.c: who else has an article open (store/presence.h). admin__presence_values
 * records that the user opened article id and puts "editing" (name, since "HH:MM", aid)
 * on the edit page for the others; admin__presence_beat and admin__takeover are the
 * routes POST /admin/articles/:id/presence and /takeover. */
#define ADMIN_PRESENCE_STALE_SECONDS 120
void admin__presence_values(struct admin_ctx *c, int64_t id);
void admin__presence_beat(struct admin_ctx *c);
void admin__takeover(struct admin_ctx *c);

/* share.c: POST /admin/articles/:id/share (op=make|revoke), an article's shareable
 * preview link (site/share.c), valid for ADMIN_PREVIEW_LINK_SECONDS. admin__share_values
 * puts "share" (url, until) into v, the edit page's article, while a link works. */
#define ADMIN_PREVIEW_LINK_SECONDS (7 * 24 * 3600)
void admin__share(struct admin_ctx *c);
void admin__share_values(struct admin_ctx *c, struct value *v, int64_t id);
/* admin__base_url (mail.c): the site's public address, no trailing slash ("" unset). */
const char *admin__base_url(void);

/* notify.c: the workflow's e-mail notices. admin__notify_in queues notice n in c's
 * write transaction: submitted → every editor with an address but the sender; returned
 * and published → author_id, unless that is the user who acted. */
struct mail_site;
struct mail_notice;
ERR_MUST_USE
enum err admin__notify_in(struct admin_ctx *c, const struct mail_site *ms,
                          const struct mail_notice *n, int64_t author_id);
/* admin__notices_tick (scheduler thread) sends the «published» notices of scheduled
 * articles whose time has come; takes ad->lock for the writer connection. */
void admin__notices_tick(struct admin *ad, struct arena *a);
/* POST /admin/account/email: the user's own address for notices (empty: none);
 * admin__account_email_values puts it on the account page (needs the lock). */
void admin__account_email_save(struct admin_ctx *c);
void admin__account_email_values(struct admin_ctx *c);
/* admin__notice_site (mail.c) loads what messages need (catalog, base URL, sender,
 * secret) on the writer connection w, outside a transaction; false (logged) on failure. */
bool admin__notice_site(struct store *w, struct arena *a, struct mail_site *ms);
/* registry.c: the documents registry. Limits in code points. */
#define ADMIN_REG_MAX_NUMBER_CHARS 40
#define ADMIN_REG_MAX_TITLE_CHARS 500
#define ADMIN_REG_MAX_BODY_CHARS 200000
/* a draft is adopted no sooner than this many working days after its publication */
#define ADMIN_REG_DISCUSSION_WORKDAYS 10
void admin__registry(struct admin_ctx *c);
void admin__registry_new(struct admin_ctx *c);
void admin__registry_edit(struct admin_ctx *c);
/* admin__registry_save: POST /admin/registry/new (no route parameter) or /:id. */
void admin__registry_save(struct admin_ctx *c);
/* admin__reg_text_problem: NULL when v is valid UTF-8 of at most max code points without
 * control characters (line breaks and tabs allowed when multiline) and not empty when
 * required; else the catalog key of what is wrong. */
const char *admin__reg_text_problem(struct str v, size_t max, bool multiline, bool required);
/* admin__reg_number_problem: the same for a document number ("125-р", "45/2026"). */
const char *admin__reg_number_problem(struct str v);
/* admin__reg_earliest_adoption: the start (UTC) of the first Kyiv day a draft published
 * on the day of published may be adopted: ADMIN_REG_DISCUSSION_WORKDAYS working days
 * after it on cal. */
int64_t admin__reg_earliest_adoption(const struct workdays_calendar *cal, int64_t published);

/* vacancies.c: the workspace's vacancies. */
#define ADMIN_VAC_MAX_TITLE_CHARS 300
#define ADMIN_VAC_MAX_TEXT_CHARS 20000
void admin__vacancies(struct admin_ctx *c);
void admin__vacancy_new(struct admin_ctx *c);
void admin__vacancy_edit(struct admin_ctx *c);
void admin__vacancy_save(struct admin_ctx *c);
void admin__vacancy_delete(struct admin_ctx *c);

/* requests.c: requests for information and appeals (editors and admins). */
void admin__requests(struct admin_ctx *c);
void admin__request(struct admin_ctx *c);
/* admin__request_save: POST /admin/requests/:id, op = assign, extend, short, answer,
 * refuse or forward. */
void admin__request_save(struct admin_ctx *c);
/* admin__requests_tick (scheduler thread, read connection db): drops the statistics'
 * cached pages when a deadline passed since *last, sends the reminders that are due
 * (under ad->lock) and, every few seconds, erases the personal data of requests closed
 * more than requests_keep_days ago. */
void admin__requests_tick(struct admin *ad, struct store *db, struct arena *a, int64_t *last);
/* consultations.c: public consultations in the workspace (list, form, moderation). */
void admin__consultations(struct admin_ctx *c);
void admin__consultation_new(struct admin_ctx *c);
void admin__consultation_edit(struct admin_ctx *c);
void admin__consultation_save(struct admin_ctx *c);
void admin__consultation_comments(struct admin_ctx *c);
void admin__consultation_moderate(struct admin_ctx *c);
/* leadership.c: the head and deputies (/admin/leadership). Limits in code points. */
#define ADMIN_LEAD_MAX_LINE_CHARS 300
#define ADMIN_LEAD_MAX_AREAS_CHARS 5000
#define ADMIN_LEAD_MAX_HOURS_CHARS 1000
void admin__leadership(struct admin_ctx *c);
void admin__leader_new(struct admin_ctx *c);
void admin__leader_edit(struct admin_ctx *c);
/* admin__leader_save: POST /admin/leadership/new (no route parameter) or /:id. */
void admin__leader_save(struct admin_ctx *c);
void admin__leader_delete(struct admin_ctx *c);
/* admin__leader_photo: POST /admin/leadership/:id/photo (multipart: photo, or remove). */
void admin__leader_photo(struct admin_ctx *c);

/* scheduler.c */
void admin__scheduler_start(struct admin *ad);
void admin__scheduler_stop(struct admin *ad);

#endif
