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
    /* 2: search (FTS5 index over articles and pages) */
    "PRAGMA user_version = 2;\n",
    /* 3: the editors' workspace (users, sessions, revisions, audit log) */
    "PRAGMA user_version = 3;\n",
    /* 4: the e-mail digest (subscribers, consent, outbox) */
    "PRAGMA user_version = 4;\n",
    /* 5: resilience (rate limits, mirror state) */
    "PRAGMA user_version = 5;\n",
};

const size_t store__migration_count = sizeof store__migrations / sizeof store__migrations[0];

int store_schema_version(void)
{
    return (int)store__migration_count;
}
