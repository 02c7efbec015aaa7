/* migrations.c: the schema, as numbered migrations. Migration N (index N-1) brings
 * PRAGMA user_version from N-1 to N and ends by setting it, so the SQL text stays
 * constant and the version bump commits in the same transaction as the change.
 * Never edit a migration that has shipped; append a new one.
 *
 * Visibility: an article is shown to readers when status is 'published' or
 * 'scheduled' and published_at <= now. A scheduled article therefore appears by
 * itself when its time comes; no job has to flip its status first. The partial
 * indexes below carry exactly that status term so every reader query can use them.
 *
 * article_tags and article_departments keep a copy of the article's published_at and
 * of its status test (visible = 1 when 'published' or 'scheduled'), kept in sync by the
 * trigger at the end, so a tag or department list is one range scan of the index
 * (tag_id, visible, published_at, article_id) in list order however deep the page, and a
 * tag's count is a covering-index count (joining from articles would sort every
 * article of the tag, or look each one up: 0.5 s for 20 tag counts at 100k articles).
 *
 * published_ym is the Kyiv local year*100+month of published_at, computed in C at
 * write time (a fixed UTC offset in SQL would misplace articles near DST changes). */
#include <stddef.h>

#include "store/store_internal.h"

const char *const store__migrations[] = {
    /* 1: articles, departments, tags, photos, static pages, settings */
    "CREATE TABLE articles (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    slug TEXT NOT NULL UNIQUE,\n"
    "    title TEXT NOT NULL,\n"
    "    lead TEXT NOT NULL DEFAULT '',\n"
    "    body_md TEXT NOT NULL DEFAULT '',\n"
    "    status TEXT NOT NULL DEFAULT 'draft'\n"
    "        CHECK (status IN ('draft', 'review', 'scheduled', 'published', 'withdrawn')),\n"
    "    published_at INTEGER NOT NULL DEFAULT 0,\n"
    "    published_ym INTEGER NOT NULL DEFAULT 0,\n"
    "    created_at INTEGER NOT NULL,\n"
    "    updated_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX articles_visible ON articles (published_at, id)\n"
    "    WHERE status IN ('published', 'scheduled');\n"
    "CREATE INDEX articles_visible_ym ON articles (published_ym, published_at)\n"
    "    WHERE status IN ('published', 'scheduled');\n"
    "CREATE TABLE departments (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    slug TEXT NOT NULL UNIQUE,\n"
    "    name TEXT NOT NULL UNIQUE,\n"
    "    sort INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE TABLE tags (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    slug TEXT NOT NULL UNIQUE,\n"
    "    name TEXT NOT NULL UNIQUE\n"
    ");\n"
    "CREATE TABLE article_departments (\n"
    "    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,\n"
    "    department_id INTEGER NOT NULL REFERENCES departments (id) ON DELETE CASCADE,\n"
    "    pos INTEGER NOT NULL,\n"
    "    published_at INTEGER NOT NULL,\n"
    "    visible INTEGER NOT NULL,\n"
    "    PRIMARY KEY (article_id, department_id)\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX article_departments_list\n"
    "    ON article_departments (department_id, visible, published_at, article_id);\n"
    "CREATE TABLE article_tags (\n"
    "    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,\n"
    "    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,\n"
    "    pos INTEGER NOT NULL,\n"
    "    published_at INTEGER NOT NULL,\n"
    "    visible INTEGER NOT NULL,\n"
    "    PRIMARY KEY (article_id, tag_id)\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX article_tags_list\n"
    "    ON article_tags (tag_id, visible, published_at, article_id);\n"
    "CREATE TABLE photos (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,\n"
    "    pos INTEGER NOT NULL,\n"
    "    hash TEXT NOT NULL,\n"
    "    width INTEGER NOT NULL,\n"
    "    height INTEGER NOT NULL,\n"
    "    caption TEXT NOT NULL DEFAULT '',\n"
    "    alt TEXT NOT NULL DEFAULT '',\n"
    "    UNIQUE (article_id, pos)\n"
    ");\n"
    "CREATE INDEX photos_hash ON photos (hash);\n"
    "CREATE TABLE article_related (\n"
    "    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,\n"
    "    pos INTEGER NOT NULL,\n"
    "    related_slug TEXT NOT NULL,\n"
    "    PRIMARY KEY (article_id, pos)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE pages (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    slug TEXT NOT NULL UNIQUE,\n"
    "    title TEXT NOT NULL,\n"
    "    body_md TEXT NOT NULL DEFAULT '',\n"
    "    created_at INTEGER NOT NULL,\n"
    "    updated_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE settings (\n"
    "    key TEXT PRIMARY KEY,\n"
    "    value TEXT NOT NULL\n"
    ") WITHOUT ROWID;\n"
    "CREATE TRIGGER articles_link_copy AFTER UPDATE OF published_at, status ON articles\n"
    "BEGIN\n"
    "    UPDATE article_tags SET published_at = NEW.published_at,\n"
    "        visible = NEW.status IN ('published', 'scheduled') WHERE article_id = NEW.id;\n"
    "    UPDATE article_departments SET published_at = NEW.published_at,\n"
    "        visible = NEW.status IN ('published', 'scheduled') WHERE article_id = NEW.id;\n"
    "END;\n"
    "PRAGMA user_version = 1;\n",
    /* 2: search (FTS5 index over articles and pages). The "visnyk" tokenizer and
     * visnyk_plain() (Markdown → text) are registered by store_open on every connection
     * (search/fts5.c), so every writer keeps the index in step through these triggers.
     * Every article is indexed whatever its status, and queries apply the visibility
     * rule, so a status change (the editor, the scheduler, a plain UPDATE) never touches
     * the index and needs no tokenizer; "did you mean" only proposes spellings that find
     * visible articles, so a draft's words never surface. Photo captions are refreshed by
     * store_article_upsert after it replaced the photos (store__search_article_refresh): a trigger
     * per photo row would re-index the whole article for every photo deleted and inserted. The
     * caption text is spelled the same way here and in search_sqlite.c. */
    "CREATE VIRTUAL TABLE article_fts USING fts5(title, lead, body, captions,\n"
    "    tokenize = 'visnyk', prefix = '2 3');\n"
    "CREATE VIRTUAL TABLE article_vocab USING fts5vocab(article_fts, 'row');\n"
    "CREATE VIRTUAL TABLE page_fts USING fts5(title, body, tokenize = 'visnyk');\n"
    "CREATE TRIGGER article_fts_insert AFTER INSERT ON articles\n"
    "BEGIN\n"
    "    INSERT INTO article_fts (rowid, title, lead, body, captions)\n"
    "    VALUES (NEW.id, NEW.title, NEW.lead, visnyk_plain(NEW.body_md),\n"
    "        (SELECT coalesce(group_concat(caption, ' '), '') FROM (SELECT caption FROM photos\n"
    "         WHERE article_id = NEW.id AND caption <> '' ORDER BY pos)));\n"
    "END;\n"
    "CREATE TRIGGER article_fts_update AFTER UPDATE OF title, lead, body_md ON articles\n"
    "BEGIN\n"
    "    DELETE FROM article_fts WHERE rowid = OLD.id;\n"
    "    INSERT INTO article_fts (rowid, title, lead, body, captions)\n"
    "    SELECT NEW.id, NEW.title, NEW.lead, visnyk_plain(NEW.body_md),\n"
    "        (SELECT coalesce(group_concat(caption, ' '), '') FROM (SELECT caption FROM photos\n"
    "         WHERE article_id = NEW.id AND caption <> '' ORDER BY pos));\n"
    "END;\n"
    "CREATE TRIGGER article_fts_delete AFTER DELETE ON articles\n"
    "BEGIN\n"
    "    DELETE FROM article_fts WHERE rowid = OLD.id;\n"
    "END;\n"
    "CREATE TRIGGER page_fts_insert AFTER INSERT ON pages\n"
    "BEGIN\n"
    "    INSERT INTO page_fts (rowid, title, body)\n"
    "    VALUES (NEW.id, NEW.title, visnyk_plain(NEW.body_md));\n"
    "END;\n"
    "CREATE TRIGGER page_fts_update AFTER UPDATE OF title, body_md ON pages\n"
    "BEGIN\n"
    "    DELETE FROM page_fts WHERE rowid = OLD.id;\n"
    "    INSERT INTO page_fts (rowid, title, body)\n"
    "    VALUES (NEW.id, NEW.title, visnyk_plain(NEW.body_md));\n"
    "END;\n"
    "CREATE TRIGGER page_fts_delete AFTER DELETE ON pages\n"
    "BEGIN\n"
    "    DELETE FROM page_fts WHERE rowid = OLD.id;\n"
    "END;\n"
    "INSERT INTO article_fts (rowid, title, lead, body, captions)\n"
    "SELECT a.id, a.title, a.lead, visnyk_plain(a.body_md),\n"
    "    (SELECT coalesce(group_concat(caption, ' '), '') FROM (SELECT caption FROM photos\n"
    "     WHERE article_id = a.id AND caption <> '' ORDER BY pos))\n"
    "FROM articles a;\n"
    "INSERT INTO page_fts (rowid, title, body) SELECT id, title, visnyk_plain(body_md) FROM "
    "pages;\n"
    "PRAGMA user_version = 2;\n",
    /* 3: the editors' workspace (users, sessions, revisions, audit log). articles.version
     * counts changes for optimistic concurrency: the editor sets it itself (version + 1
     * WHERE version = the one the form showed); any other writer (import) leaves it and
     * the trigger bumps it, so an editor's stale form is refused after an import too.
     * The audit log is append-only: the triggers refuse UPDATE and DELETE whoever asks. */
    "CREATE TABLE users (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    name TEXT NOT NULL UNIQUE,\n"
    "    role TEXT NOT NULL CHECK (role IN ('author', 'editor', 'admin')),\n"
    "    pw_hash TEXT NOT NULL,\n"
    "    disabled INTEGER NOT NULL DEFAULT 0,\n"
    "    created_at INTEGER NOT NULL,\n"
    "    updated_at INTEGER NOT NULL,\n"
    "    last_login_at INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE TABLE sessions (\n"
    "    token_hash TEXT PRIMARY KEY,\n"
    "    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,\n"
    "    csrf TEXT NOT NULL,\n"
    "    ip TEXT NOT NULL DEFAULT '',\n"
    "    created_at INTEGER NOT NULL,\n"
    "    last_seen INTEGER NOT NULL\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX sessions_user ON sessions (user_id);\n"
    "CREATE TABLE login_attempts (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    name TEXT NOT NULL,\n"
    "    ip TEXT NOT NULL,\n"
    "    at INTEGER NOT NULL,\n"
    "    ok INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX login_attempts_name ON login_attempts (name, at);\n"
    "CREATE INDEX login_attempts_ip ON login_attempts (ip, at);\n"
    "CREATE INDEX login_attempts_at ON login_attempts (at);\n"
    "ALTER TABLE articles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;\n"
    "ALTER TABLE articles ADD COLUMN author_id INTEGER;\n"
    "CREATE INDEX articles_updated ON articles (updated_at, id);\n"
    "CREATE TRIGGER articles_version\n"
    "AFTER UPDATE OF slug, title, lead, body_md, status, published_at ON articles\n"
    "WHEN NEW.version = OLD.version\n"
    "BEGIN\n"
    "    UPDATE articles SET version = OLD.version + 1 WHERE id = NEW.id;\n"
    "END;\n"
    "CREATE TABLE revisions (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,\n"
    "    version INTEGER NOT NULL,\n"
    "    user_id INTEGER,\n"
    "    user_name TEXT NOT NULL DEFAULT '',\n"
    "    created_at INTEGER NOT NULL,\n"
    "    slug TEXT NOT NULL,\n"
    "    title TEXT NOT NULL,\n"
    "    lead TEXT NOT NULL,\n"
    "    body_md TEXT NOT NULL,\n"
    "    status TEXT NOT NULL,\n"
    "    published_at INTEGER NOT NULL,\n"
    "    departments TEXT NOT NULL DEFAULT '',\n"
    "    tags TEXT NOT NULL DEFAULT '',\n"
    "    related TEXT NOT NULL DEFAULT '',\n"
    "    UNIQUE (article_id, version)\n"
    ");\n"
    "CREATE TABLE audit_log (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    at INTEGER NOT NULL,\n"
    "    user_id INTEGER,\n"
    "    user_name TEXT NOT NULL DEFAULT '',\n"
    "    ip TEXT NOT NULL DEFAULT '',\n"
    "    action TEXT NOT NULL,\n"
    "    object TEXT NOT NULL DEFAULT '',\n"
    "    detail TEXT NOT NULL DEFAULT ''\n"
    ");\n"
    "CREATE INDEX audit_log_at ON audit_log (at);\n"
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log\n"
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;\n"
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log\n"
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;\n"
    "PRAGMA user_version = 3;\n",
    /* 4: the e-mail digest (subscribers, consent, outbox).
     * key is a per-subscriber random value signed into its unsubscribe and preferences
     * links, so erasing and re-adding an address voids the old links. last_digest_at is
     * both the cut-off for "new articles" and the marker that a digest slot was handled.
     * mail_outbox is the durable queue and the send log: a row is written in the
     * transaction that decided to send it; 'sending' rows carry the claiming process
     * (claimed_by) and a lease (next_attempt_at) so a crashed sender's row is retried. */
    "CREATE TABLE mail_subscribers (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    email TEXT NOT NULL UNIQUE,\n"
    "    state TEXT NOT NULL DEFAULT 'pending'\n"
    "        CHECK (state IN ('pending', 'active', 'unsubscribed', 'bounced')),\n"
    "    weekly INTEGER NOT NULL DEFAULT 0,\n"
    "    key TEXT NOT NULL,\n"
    "    created_at INTEGER NOT NULL,\n"
    "    updated_at INTEGER NOT NULL,\n"
    "    confirmed_at INTEGER NOT NULL DEFAULT 0,\n"
    "    last_digest_at INTEGER NOT NULL DEFAULT 0,\n"
    "    failure TEXT NOT NULL DEFAULT ''\n"
    ");\n"
    "CREATE INDEX mail_subscribers_state ON mail_subscribers (state, id);\n"
    "CREATE TABLE mail_subscriber_topics (\n"
    "    subscriber_id INTEGER NOT NULL REFERENCES mail_subscribers (id) ON DELETE CASCADE,\n"
    "    kind TEXT NOT NULL CHECK (kind IN ('tag', 'dept')),\n"
    "    ref_id INTEGER NOT NULL,\n"
    "    PRIMARY KEY (subscriber_id, kind, ref_id)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE mail_consents (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    subscriber_id INTEGER NOT NULL REFERENCES mail_subscribers (id) ON DELETE CASCADE,\n"
    "    requested_at INTEGER NOT NULL,\n"
    "    confirmed_at INTEGER NOT NULL DEFAULT 0,\n"
    "    text_version TEXT NOT NULL,\n"
    "    ip_hash TEXT NOT NULL,\n"
    "    user_agent TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX mail_consents_subscriber ON mail_consents (subscriber_id, id);\n"
    "CREATE TABLE mail_tokens (\n"
    "    hash TEXT PRIMARY KEY,\n"
    "    subscriber_id INTEGER NOT NULL REFERENCES mail_subscribers (id) ON DELETE CASCADE,\n"
    "    expires_at INTEGER NOT NULL,\n"
    "    used_at INTEGER NOT NULL DEFAULT 0\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX mail_tokens_subscriber ON mail_tokens (subscriber_id, expires_at);\n"
    "CREATE TABLE mail_outbox (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    subscriber_id INTEGER REFERENCES mail_subscribers (id) ON DELETE CASCADE,\n"
    "    kind TEXT NOT NULL,\n"
    "    rcpt TEXT NOT NULL,\n"
    "    subject TEXT NOT NULL DEFAULT '',\n"
    "    message_id TEXT NOT NULL,\n"
    "    body BLOB NOT NULL,\n"
    "    state TEXT NOT NULL DEFAULT 'queued'\n"
    "        CHECK (state IN ('queued', 'sending', 'sent', 'failed')),\n"
    "    attempts INTEGER NOT NULL DEFAULT 0,\n"
    "    claimed_by INTEGER NOT NULL DEFAULT 0,\n"
    "    next_attempt_at INTEGER NOT NULL,\n"
    "    created_at INTEGER NOT NULL,\n"
    "    sent_at INTEGER NOT NULL DEFAULT 0,\n"
    "    last_error TEXT NOT NULL DEFAULT ''\n"
    ");\n"
    "CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at, id)\n"
    "    WHERE state IN ('queued', 'sending');\n"
    "CREATE INDEX mail_outbox_log ON mail_outbox (created_at);\n"
    "CREATE TABLE mail_rate (\n"
    "    key TEXT NOT NULL,\n"
    "    window_start INTEGER NOT NULL,\n"
    "    count INTEGER NOT NULL,\n"
    "    PRIMARY KEY (key, window_start)\n"
    ") WITHOUT ROWID;\n"
    "PRAGMA user_version = 4;\n",
    /* 5: resilience (rate limits, mirror state) */
    "PRAGMA user_version = 5;\n",
    /* 6: documents attached to articles (PDF). The file is media/<hash>.pdf; the row
     * carries what readers see (title, type, size). The article reference has no ON
     * DELETE CASCADE on purpose: a published document must never vanish with a row, so
     * deleting an article that has documents fails. Removing a document only stamps
     * removed_at (the file and the row stay, the audit log says who and when); pos is
     * not unique because removed rows keep theirs. */
    "CREATE TABLE article_attachments (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    article_id INTEGER NOT NULL REFERENCES articles (id),\n"
    "    pos INTEGER NOT NULL,\n"
    "    hash TEXT NOT NULL CHECK (length(hash) = 64),\n"
    "    title TEXT NOT NULL,\n"
    "    mime TEXT NOT NULL DEFAULT 'application/pdf',\n"
    "    bytes INTEGER NOT NULL CHECK (bytes > 0),\n"
    "    pages INTEGER NOT NULL DEFAULT 0,\n"
    "    created_at INTEGER NOT NULL,\n"
    "    created_by INTEGER NOT NULL DEFAULT 0,\n"
    "    removed_at INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE INDEX article_attachments_article\n"
    "    ON article_attachments (article_id, removed_at, pos);\n"
    "CREATE INDEX article_attachments_hash ON article_attachments (hash);\n"
    "PRAGMA user_version = 6;\n",
    /* 7: search upkeep. search_terms is the article index's vocabulary with document
     * counts as a plain table: fts5vocab reads each term's whole doclist to count it
     * (10 ms for the «пол…» words at 100,000 articles), so "did you mean" and prefix
     * completion read this instead. search_upkeep.changes counts writes to the indexed
     * text (the triggers here and store__search_article_refresh); store_search_upkeep
     * merges the FTS segments and rebuilds search_terms, then sets done to the count it
     * started from. While changes <> done readers fall back to the FTS index itself. */
    "CREATE TABLE search_terms (\n"
    "    term TEXT PRIMARY KEY,\n"
    "    docs INTEGER NOT NULL\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE search_upkeep (\n"
    "    id INTEGER PRIMARY KEY CHECK (id = 1),\n"
    "    changes INTEGER NOT NULL,\n"
    "    done INTEGER NOT NULL\n"
    ");\n"
    "INSERT INTO search_upkeep (id, changes, done) VALUES (1, 1, 0);\n"
    "CREATE TRIGGER search_upkeep_insert AFTER INSERT ON articles\n"
    "BEGIN\n"
    "    UPDATE search_upkeep SET changes = changes + 1 WHERE id = 1;\n"
    "END;\n"
    "CREATE TRIGGER search_upkeep_update AFTER UPDATE OF title, lead, body_md ON articles\n"
    "BEGIN\n"
    "    UPDATE search_upkeep SET changes = changes + 1 WHERE id = 1;\n"
    "END;\n"
    "CREATE TRIGGER search_upkeep_delete AFTER DELETE ON articles\n"
    "BEGIN\n"
    "    UPDATE search_upkeep SET changes = changes + 1 WHERE id = 1;\n"
    "END;\n"
    "PRAGMA user_version = 7;\n",
    /* 8: the CDN purge queue (store/purge.c). One row per surrogate key waiting
     * to be purged: key is unique, so enqueueing a waiting key adds nothing but a new
     * version (the worker removes a purged key only if its version is the one it sent).
     * next_attempt_at backs off while the CDN fails. */
    "CREATE TABLE cdn_purge (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    key TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 128),\n"
    "    version INTEGER NOT NULL DEFAULT 1,\n"
    "    attempts INTEGER NOT NULL DEFAULT 0,\n"
    "    next_attempt_at INTEGER NOT NULL,\n"
    "    created_at INTEGER NOT NULL,\n"
    "    last_error TEXT NOT NULL DEFAULT ''\n"
    ");\n"
    "CREATE INDEX cdn_purge_due ON cdn_purge (next_attempt_at, id);\n"
    "PRAGMA user_version = 8;\n",
    /* 9: signed publications and the hash-chained audit log (store/signing_sqlite.c).
     * signing_keys holds the site's Ed25519 keys: the current one has valid_until = 0;
     * the secret never leaves this table. signatures keeps every signed revision (the
     * newest row of an article is the one served), with the exact canonical text.
     * audit_log gains prev_hash (the hash of the entry before, '' for the first) and
     * hash (visnyk_audit_hash() over the entry's fields and prev_hash); the rows already
     * there are chained here in id order, the update trigger lifted for that only. */
    "CREATE TABLE signing_keys (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    key_id TEXT NOT NULL UNIQUE,\n"
    "    public_key BLOB NOT NULL CHECK (length(public_key) = 32),\n"
    "    secret_key BLOB NOT NULL CHECK (length(secret_key) = 64),\n"
    "    valid_from INTEGER NOT NULL,\n"
    "    valid_until INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE TABLE signatures (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    kind TEXT NOT NULL CHECK (kind IN ('article', 'page')),\n"
    "    object_id INTEGER NOT NULL,\n"
    "    revision INTEGER NOT NULL,\n"
    "    key_id TEXT NOT NULL,\n"
    "    canonical TEXT NOT NULL,\n"
    "    signature TEXT NOT NULL,\n"
    "    signed_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX signatures_object ON signatures (kind, object_id, id);\n"
    "ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';\n"
    "DROP TRIGGER audit_log_no_update;\n"
    "CREATE TEMP TABLE audit_chain (id INTEGER PRIMARY KEY, prev TEXT, hash TEXT);\n"
    "WITH RECURSIVE c (id, prev, hash) AS (\n"
    "    SELECT a.id, '', visnyk_audit_hash(a.id, a.at, coalesce(a.user_id, 0), a.user_name,\n"
    "        a.ip, a.action, a.object, a.detail, '')\n"
    "    FROM audit_log a WHERE a.id = (SELECT min(id) FROM audit_log)\n"
    "    UNION ALL\n"
    "    SELECT a.id, c.hash, visnyk_audit_hash(a.id, a.at, coalesce(a.user_id, 0),\n"
    "        a.user_name, a.ip, a.action, a.object, a.detail, c.hash)\n"
    "    FROM c JOIN audit_log a ON a.id = (SELECT min(id) FROM audit_log WHERE id > c.id)\n"
    ")\n"
    "INSERT INTO audit_chain (id, prev, hash) SELECT id, prev, hash FROM c;\n"
    "UPDATE audit_log SET prev_hash = audit_chain.prev, hash = audit_chain.hash\n"
    "    FROM audit_chain WHERE audit_chain.id = audit_log.id;\n"
    "DROP TABLE audit_chain;\n"
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log\n"
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;\n"
    "PRAGMA user_version = 9;\n",
    /* 10: each audit entry names the HTTP request that made it (0 = the command line
     * and every entry before this migration), as its log lines and error page do. The
     * chain covers the id from here on (store_audit_hash's v2 form). */
    "ALTER TABLE audit_log ADD COLUMN request_id INTEGER NOT NULL DEFAULT 0;\n"
    "PRAGMA user_version = 10;\n",
    /* 11: static pages get a revision number like articles (pages.version, one more on
     * every save), so each saved page is signed once as (kind 'page', id, version) and
     * `visnyk key sign-all` can tell which revisions have no signature yet. The audit
     * log is indexed by action: a running server looks up the newest key.* entry once
     * a second to notice a rotation or a sign-all made by another process. */
    "ALTER TABLE pages ADD COLUMN version INTEGER NOT NULL DEFAULT 1;\n"
    "CREATE INDEX audit_log_action ON audit_log (action);\n"
    "PRAGMA user_version = 11;\n",
    /* 12 (issue 12): the earlier slugs of articles that were public: an address shared
     * before a rename answers 301 to the current one (store/slugs.c). The
     * trigger records the old slug when the article had been public (published, or
     * scheduled and past its time, or withdrawn after either); a slug taken again, by
     * the same article or a new one, leaves the history: the live article wins. */
    "CREATE TABLE article_slug_history (\n"
    "    slug TEXT PRIMARY KEY,\n"
    "    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,\n"
    "    changed_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX article_slug_history_article ON article_slug_history (article_id);\n"
    "CREATE TRIGGER articles_slug_history AFTER UPDATE OF slug ON articles\n"
    "WHEN OLD.slug <> NEW.slug\n"
    "BEGIN\n"
    "    DELETE FROM article_slug_history WHERE slug = NEW.slug;\n"
    "    INSERT INTO article_slug_history (slug, article_id, changed_at)\n"
    "        SELECT OLD.slug, OLD.id, unixepoch()\n"
    "        WHERE OLD.status IN ('published', 'withdrawn')\n"
    "            OR (OLD.status = 'scheduled' AND OLD.published_at <= unixepoch())\n"
    "        ON CONFLICT (slug) DO UPDATE SET article_id = excluded.article_id,\n"
    "            changed_at = excluded.changed_at;\n"
    "END;\n"
    "CREATE TRIGGER articles_slug_taken AFTER INSERT ON articles\n"
    "BEGIN DELETE FROM article_slug_history WHERE slug = NEW.slug; END;\n"
    /* ... and the gallery's own version (one more on every save of captions, alt texts
     * and order), who saved it last and when: a save from a form older than that is
     * refused, as a stale article save is (store_gallery_claim). */
    "ALTER TABLE articles ADD COLUMN gallery_version INTEGER NOT NULL DEFAULT 1;\n"
    "ALTER TABLE articles ADD COLUMN gallery_saved_by TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE articles ADD COLUMN gallery_saved_at INTEGER NOT NULL DEFAULT 0;\n"
    "PRAGMA user_version = 12;\n",
    /* 13: what a citizen looks for on a department's page (CMU resolution No. 3 of
     * 04.01.2002): its head and the head's position, its functions (Markdown), address,
     * phone, e-mail and reception hours. Empty when not filled in; bounds and syntax are
     * checked by the workspace (admin/people.c) before a save. */
    "ALTER TABLE departments ADD COLUMN head_name TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE departments ADD COLUMN head_position TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE departments ADD COLUMN functions_md TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE departments ADD COLUMN address TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE departments ADD COLUMN phone TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE departments ADD COLUMN email TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE departments ADD COLUMN hours TEXT NOT NULL DEFAULT '';\n"
    "PRAGMA user_version = 13;\n",
    /* 14 (issue 14): the English version. A translation belongs to a Ukrainian article
     * (its original must exist: the law puts nothing on the English site the Ukrainian one
     * lacks) and shares its time, photos, tags and departments; it is public while it is
     * published and its original is. Its own search index stems English words (FTS5's
     * porter tokenizer), next to the Ukrainian one. Store: store/translations.h. */
    "CREATE TABLE article_translations (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,\n"
    "    lang TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('en')),\n"
    "    slug TEXT NOT NULL,\n"
    "    title TEXT NOT NULL,\n"
    "    lead TEXT NOT NULL DEFAULT '',\n"
    "    body_md TEXT NOT NULL DEFAULT '',\n"
    "    status TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('draft', 'published')),\n"
    "    updated_at INTEGER NOT NULL,\n"
    "    UNIQUE (lang, slug),\n"
    "    UNIQUE (article_id, lang)\n"
    ");\n"
    "CREATE VIRTUAL TABLE article_translation_fts USING fts5(title, lead, body,\n"
    "    content = 'article_translations', content_rowid = 'id',\n"
    "    tokenize = 'porter unicode61 remove_diacritics 2');\n"
    "CREATE TRIGGER article_translations_fts_ins AFTER INSERT ON article_translations BEGIN\n"
    "    INSERT INTO article_translation_fts (rowid, title, lead, body)\n"
    "        VALUES (NEW.id, NEW.title, NEW.lead, NEW.body_md);\n"
    "END;\n"
    "CREATE TRIGGER article_translations_fts_del AFTER DELETE ON article_translations BEGIN\n"
    "    INSERT INTO article_translation_fts (article_translation_fts, rowid, title, lead, body)\n"
    "        VALUES ('delete', OLD.id, OLD.title, OLD.lead, OLD.body_md);\n"
    "END;\n"
    "CREATE TRIGGER article_translations_fts_upd AFTER UPDATE ON article_translations BEGIN\n"
    "    INSERT INTO article_translation_fts (article_translation_fts, rowid, title, lead, body)\n"
    "        VALUES ('delete', OLD.id, OLD.title, OLD.lead, OLD.body_md);\n"
    "    INSERT INTO article_translation_fts (rowid, title, lead, body)\n"
    "        VALUES (NEW.id, NEW.title, NEW.lead, NEW.body_md);\n"
    "END;\n"
    "PRAGMA user_version = 14;\n",
    /* 15 (issue 13): the documents registry and vacancies (store/registry_sqlite.c).
     * A document's status is not stored: «змінено» and «втратив чинність» follow from
     * the documents that amend or repeal it (amends_id + amends_how) and from lapsed (an
     * editor's mark for one that expired by itself), so the two can never disagree.
     * Dates are UTC seconds of the Kyiv day's start; year is the Kyiv year of doc_date,
     * kept for the filter. A restricted document (martial law) stays listed with its
     * type, number and date, but its title, text and PDF are neither shown nor indexed:
     * registry_fts only holds documents that are not restricted. A draft (kind 'draft')
     * has the dates of its discussion and, once adopted, adopted_on (the workspace checks
     * the 10 working days, core/workdays.c). */
    "CREATE TABLE registry_docs (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    kind TEXT NOT NULL\n"
    "        CHECK (kind IN ('order', 'decree', 'decision', 'draft', 'regulatory')),\n"
    "    number TEXT NOT NULL,\n"
    "    doc_date INTEGER NOT NULL,\n"
    "    year INTEGER NOT NULL,\n"
    "    title TEXT NOT NULL,\n"
    "    body_md TEXT NOT NULL DEFAULT '',\n"
    "    lapsed INTEGER NOT NULL DEFAULT 0,\n"
    "    amends_id INTEGER REFERENCES registry_docs (id) ON DELETE SET NULL,\n"
    "    amends_how TEXT NOT NULL DEFAULT '' CHECK (amends_how IN ('', 'amends', 'repeals')),\n"
    "    pdf_hash TEXT NOT NULL DEFAULT '',\n"
    "    pdf_bytes INTEGER NOT NULL DEFAULT 0,\n"
    "    restricted INTEGER NOT NULL DEFAULT 0,\n"
    "    discussion_from INTEGER NOT NULL DEFAULT 0,\n"
    "    discussion_until INTEGER NOT NULL DEFAULT 0,\n"
    "    adopted_on INTEGER NOT NULL DEFAULT 0,\n"
    "    created_at INTEGER NOT NULL,\n"
    "    updated_at INTEGER NOT NULL,\n"
    "    UNIQUE (kind, year, number)\n"
    ");\n"
    "CREATE INDEX registry_docs_date ON registry_docs (doc_date, id);\n"
    "CREATE INDEX registry_docs_amends ON registry_docs (amends_id);\n"
    "CREATE VIRTUAL TABLE registry_fts USING fts5(number, title, body, tokenize = 'visnyk');\n"
    "CREATE TRIGGER registry_fts_insert AFTER INSERT ON registry_docs WHEN NEW.restricted = 0\n"
    "BEGIN\n"
    "    INSERT INTO registry_fts (rowid, number, title, body)\n"
    "    VALUES (NEW.id, NEW.number, NEW.title, visnyk_plain(NEW.body_md));\n"
    "END;\n"
    "CREATE TRIGGER registry_fts_update AFTER UPDATE ON registry_docs\n"
    "BEGIN\n"
    "    DELETE FROM registry_fts WHERE rowid = OLD.id;\n"
    "    INSERT INTO registry_fts (rowid, number, title, body)\n"
    "    SELECT NEW.id, NEW.number, NEW.title, visnyk_plain(NEW.body_md) WHERE NEW.restricted = "
    "0;\n"
    "END;\n"
    "CREATE TRIGGER registry_fts_delete AFTER DELETE ON registry_docs\n"
    "BEGIN\n"
    "    DELETE FROM registry_fts WHERE rowid = OLD.id;\n"
    "END;\n"
    /* Vacancies: open while not closed and before deadline (UTC seconds, the end of the
     * day a reader sees as the last one), decided at request time. */
    "CREATE TABLE vacancies (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    title TEXT NOT NULL,\n"
    "    unit TEXT NOT NULL DEFAULT '',\n"
    "    requirements_md TEXT NOT NULL DEFAULT '',\n"
    "    apply_md TEXT NOT NULL DEFAULT '',\n"
    "    deadline INTEGER NOT NULL,\n"
    "    closed INTEGER NOT NULL DEFAULT 0,\n"
    "    created_at INTEGER NOT NULL,\n"
    "    updated_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX vacancies_deadline ON vacancies (deadline, id);\n"
    "PRAGMA user_version = 15;\n",
    /* 16 (issue 12): workflow notices by e-mail, autosaves and refused texts. Each user may give an
     * address for them (empty: none sent). A scheduled article's «published» notice waits in
     * workflow_notices until its time; the scheduler queues the mail and deletes the
     * row in one transaction, so a restart neither loses nor repeats it, and a
     * reschedule, withdrawal or return to draft replaces or drops the row. */
    "ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';\n"
    "CREATE TABLE workflow_notices (\n"
    "    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,\n"
    "    due_at INTEGER NOT NULL,\n"
    "    actor_id INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE INDEX workflow_notices_due ON workflow_notices (due_at);\n"
    /* ... and the texts kept beside an article, never its revisions (store/sidetext.h):
     * each user's autosave of the edit form ('auto'), and the text of their last save
     * refused for a conflict ('refused'), one of each per article and user. */
    "CREATE TABLE side_texts (\n"
    "    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,\n"
    "    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,\n"
    "    kind TEXT NOT NULL CHECK (kind IN ('auto', 'refused')),\n"
    "    base_version INTEGER NOT NULL,\n"
    "    saved_at INTEGER NOT NULL,\n"
    "    title TEXT NOT NULL, slug TEXT NOT NULL, lead TEXT NOT NULL, body TEXT NOT NULL,\n"
    "    date TEXT NOT NULL, tags TEXT NOT NULL, related TEXT NOT NULL,\n"
    "    departments TEXT NOT NULL,\n"
    "    PRIMARY KEY (article_id, user_id, kind)\n"
    ");\n"
    /* ... and each article's shareable preview link (store/preview.h): the random key
     * its links are signed with and when they expire; a new key voids the old links. */
    "CREATE TABLE preview_links (\n"
    "    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,\n"
    "    nonce TEXT NOT NULL,\n"
    "    expires_at INTEGER NOT NULL,\n"
    "    created_by INTEGER NOT NULL DEFAULT 0,\n"
    "    created_at INTEGER NOT NULL\n"
    ");\n"
    /* ... and who has an article open in the editor (store/presence.h): since when, last
     * heartbeat, and who took it over from them (empty: nobody). */
    "CREATE TABLE presence (\n"
    "    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,\n"
    "    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,\n"
    "    opened_at INTEGER NOT NULL,\n"
    "    seen_at INTEGER NOT NULL,\n"
    "    taken_by TEXT NOT NULL DEFAULT '',\n"
    "    PRIMARY KEY (article_id, user_id)\n"
    ");\n"
    "PRAGMA user_version = 16;\n",
    /* 17 (issue 14): the language a subscriber reads the digest in ('uk' or 'en'): the
     * form under /en records 'en', the preferences page changes it. An English digest
     * lists the articles' published English translations only. */
    "ALTER TABLE mail_subscribers ADD COLUMN lang TEXT NOT NULL DEFAULT 'uk'\n"
    "    CHECK (lang IN ('uk', 'en'));\n"
    "PRAGMA user_version = 17;\n",
    /* 18 (issue 13): requests for public information ('info') and citizens' appeals
     * ('appeal'), store/requests.h. The number is seq within (kind, year), never
     * reused; deadlines and the reminder time are computed in C (core/deadline.h).
     * The personal data (name .. close_reason) is emptied requests_keep_days after
     * closed_at (erased_at set); the row stays for the statistics by half-year. */
    "CREATE TABLE info_requests (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    kind TEXT NOT NULL CHECK (kind IN ('info', 'appeal')),\n"
    "    year INTEGER NOT NULL,\n"
    "    half INTEGER NOT NULL CHECK (half IN (1, 2)),\n"
    "    seq INTEGER NOT NULL,\n"
    "    received_at INTEGER NOT NULL,\n"
    "    due_at INTEGER NOT NULL,\n"
    "    remind_at INTEGER NOT NULL,\n"
    "    reminded_at INTEGER NOT NULL DEFAULT 0,\n"
    "    extended_at INTEGER NOT NULL DEFAULT 0,\n"
    "    closed_at INTEGER NOT NULL DEFAULT 0,\n"
    "    erased_at INTEGER NOT NULL DEFAULT 0,\n"
    "    urgent INTEGER NOT NULL DEFAULT 0,\n"
    "    short_term INTEGER NOT NULL DEFAULT 0,\n"
    "    category TEXT NOT NULL DEFAULT ''\n"
    "        CHECK (category IN ('', 'proposal', 'statement', 'complaint')),\n"
    "    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_progress', 'extended',\n"
    "        'answered', 'refused', 'forwarded')),\n"
    "    assignee_id INTEGER REFERENCES users (id) ON DELETE SET NULL,\n"
    "    name TEXT NOT NULL DEFAULT '',\n"
    "    address TEXT NOT NULL DEFAULT '',\n"
    "    email TEXT NOT NULL DEFAULT '',\n"
    "    phone TEXT NOT NULL DEFAULT '',\n"
    "    body TEXT NOT NULL DEFAULT '',\n"
    "    extend_reason TEXT NOT NULL DEFAULT '',\n"
    "    answer TEXT NOT NULL DEFAULT '',\n"
    "    close_reason TEXT NOT NULL DEFAULT '',\n"
    "    UNIQUE (kind, year, seq)\n"
    ");\n"
    "CREATE INDEX info_requests_received ON info_requests (received_at, id);\n"
    "CREATE INDEX info_requests_due ON info_requests (status, due_at);\n"
    "CREATE INDEX info_requests_closed ON info_requests (erased_at, closed_at);\n"
    "PRAGMA user_version = 18;\n",
    /* 19 (issue 12): a revision keeps its article's gallery,
     * one photo a line, "<sha256>\t<caption>\t<alt>" in the gallery's order, so the
     * diff shows caption, alt and order changes and a restore brings them back. */
    "ALTER TABLE revisions ADD COLUMN gallery TEXT NOT NULL DEFAULT '';\n"
    "PRAGMA user_version = 19;\n",
    /* 20 (issue 13): public consultations (store/consultations.h). State (announced,
     * open, finished) is derived from the dates at request time; times are UTC seconds.
     * Comments wait as 'pending' until a moderator approves or rejects them; the
     * e-mail is for the moderator only, the name is public only when show_name. */
    "CREATE TABLE consultations (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    title TEXT NOT NULL,\n"
    "    summary_md TEXT NOT NULL DEFAULT '',\n"
    "    draft_id INTEGER REFERENCES registry_docs (id) ON DELETE SET NULL,\n"
    "    dept_id INTEGER REFERENCES departments (id) ON DELETE SET NULL,\n"
    "    contact TEXT NOT NULL DEFAULT '',\n"
    "    starts_at INTEGER NOT NULL,\n"
    "    ends_at INTEGER NOT NULL,\n"
    "    outcome_md TEXT NOT NULL DEFAULT '',\n"
    "    pdf_hash TEXT NOT NULL DEFAULT '',\n"
    "    pdf_bytes INTEGER NOT NULL DEFAULT 0,\n"
    "    created_at INTEGER NOT NULL,\n"
    "    updated_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX consultations_ends ON consultations (ends_at, id);\n"
    "CREATE INDEX consultations_starts ON consultations (starts_at, id);\n"
    "CREATE TABLE consultation_comments (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,\n"
    "    name TEXT NOT NULL,\n"
    "    email TEXT NOT NULL,\n"
    "    body TEXT NOT NULL,\n"
    "    show_name INTEGER NOT NULL DEFAULT 0,\n"
    "    state TEXT NOT NULL DEFAULT 'pending'\n"
    "        CHECK (state IN ('pending', 'approved', 'rejected')),\n"
    "    reason TEXT NOT NULL DEFAULT '',\n"
    "    created_at INTEGER NOT NULL,\n"
    "    moderated_at INTEGER NOT NULL DEFAULT 0,\n"
    "    moderated_by INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE INDEX consultation_comments_by ON consultation_comments\n"
    "    (consultation_id, state, id);\n"
    "CREATE INDEX consultation_comments_state ON consultation_comments (state, id);\n"
    "PRAGMA user_version = 20;\n",
    /* 21 (issue 13): the leadership page (store/leadership.h): the head and deputies in
     * the editors' order, with the departments each one oversees and an optional photo
     * (media/<photo_hash>.jpg and its variants, as articles' photos). */
    "CREATE TABLE leaders (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    sort INTEGER NOT NULL DEFAULT 0,\n"
    "    name TEXT NOT NULL,\n"
    "    position TEXT NOT NULL,\n"
    "    areas TEXT NOT NULL DEFAULT '',\n"
    "    phone TEXT NOT NULL DEFAULT '',\n"
    "    email TEXT NOT NULL DEFAULT '',\n"
    "    hours TEXT NOT NULL DEFAULT '',\n"
    "    photo_hash TEXT NOT NULL DEFAULT '',\n"
    "    photo_width INTEGER NOT NULL DEFAULT 0,\n"
    "    photo_height INTEGER NOT NULL DEFAULT 0,\n"
    "    updated_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE leader_departments (\n"
    "    leader_id INTEGER NOT NULL REFERENCES leaders (id) ON DELETE CASCADE,\n"
    "    department_id INTEGER NOT NULL REFERENCES departments (id) ON DELETE CASCADE,\n"
    "    PRIMARY KEY (leader_id, department_id)\n"
    ");\n"
    "PRAGMA user_version = 21;\n",
};

const size_t store__migration_count = sizeof store__migrations / sizeof store__migrations[0];
_Static_assert(sizeof store__migrations / sizeof store__migrations[0] == STORE__SCHEMA_VERSION,
               "a new migration raises STORE__SCHEMA_VERSION and adds its PostgreSQL text to "
               "migrations_pg.c");

int store_schema_version(void)
{
    return (int)store__migration_count;
}
