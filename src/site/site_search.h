/* site_search.h: how readers, search engines, messengers and feed readers find the
 * news: the search page (search.c), RSS and Atom feeds (feeds.c), robots.txt and XML
 * sitemaps (sitemap_xml.c), and rich-preview data (OpenGraph, Twitter card, JSON-LD;
 * structured.c). Handlers are listed in site.c's site_routes. Not for other modules.
 *
 * URLs (all GET, public, page-cached):
 *   /search?q=&tag=<slug>&dept=<slug>&from=YYYY-MM-DD&to=YYYY-MM-DD&sort=date&page=N
 *   /feed.xml, /atom.xml                         all news (RSS 2.0, Atom 1.0)
 *   /tags/<slug>/feed.xml, /tags/<slug>/atom.xml
 *   /departments/<slug>/feed.xml, /departments/<slug>/atom.xml
 *   /robots.txt
 *   /sitemap.xml                                 sitemap index
 *   /sitemaps/pages.xml                          home, sections, tags, departments, pages
 *   /sitemaps/articles-<n>.xml                   articles, SITE_SITEMAP_CHUNK per file
 *   /sitemaps/news.xml                           Google News sitemap: the last two days */
#ifndef VISNYK_SITE_SITE_SEARCH_H
#define VISNYK_SITE_SITE_SEARCH_H

#include "http/http.h"
#include "site/site_internal.h"

#define SITE_SEARCH_PAGE_SIZE 20
#define SITE_SEARCH_MAX_PAGE 50    /* deeper pages: refine the query instead */
#define SITE_FEED_SIZE 30          /* items per feed */
#define SITE_SITEMAP_CHUNK 50000   /* URLs per sitemap file: the protocol's maximum */
#define SITE_NEWS_SITEMAP_DAYS 2   /* Google News wants the last two days */
#define SITE_NEWS_SITEMAP_MAX 1000 /* ... and at most 1000 URLs */

void site__search(struct http_request *req, struct http_response *res);

void site__feed_rss(struct http_request *req, struct http_response *res);
/* site__feed_guess answers /feed, the address people type, with a 301 to /feed.xml. */
void site__feed_guess(struct http_request *req, struct http_response *res);
void site__feed_atom(struct http_request *req, struct http_response *res);
void site__tag_feed_rss(struct http_request *req, struct http_response *res);
void site__tag_feed_atom(struct http_request *req, struct http_response *res);
void site__dept_feed_rss(struct http_request *req, struct http_response *res);
void site__dept_feed_atom(struct http_request *req, struct http_response *res);

void site__robots(struct http_request *req, struct http_response *res);
void site__sitemap_index(struct http_request *req, struct http_response *res);
void site__sitemap_file(struct http_request *req, struct http_response *res);

/* site__structured_article sets what head.html shows for an article's rich previews:
 * root.og (type article, image with its size, published time, tags) and root.jsonld
 * (NewsArticle and BreadcrumbList, JSON through jansson, safe inside <script>). Call
 * after site__layout. Failures only leave the previews out. */
void site__structured_article(struct site_page *p, const struct store_article *art);
/* site__structured_home sets root.og (type website) and root.jsonld
 * (GovernmentOrganization and WebSite with the search action). After site__layout. */
void site__structured_home(struct site_page *p);
/* site__structured_dept adds a department's GovernmentOrganization JSON-LD (name, url,
 * its contacts where filled in, the site's organization as parent) to root.jsonld. */
void site__structured_dept(struct site_page *p, const struct store_ref *ref,
                           const struct store_dept_details *d);

/* site__share_image: the photo file previews and feeds use (1600 px wide when the
 * original is larger, else the original) as an absolute URL, with its pixel size and
 * the path of the file under the media folder (for its byte length). */
struct site_image {
    struct str url;
    struct str file; /* media_dir/<name> */
    int width, height;
};
void site__share_image(struct site_page *p, const struct store_photo *ph, struct site_image *out);

/* site__feed_links sets root.feeds: the feeds head.html links with rel="alternate"
 * (always the site's; a tag's or department's own when prefix/slug are given). */
void site__feed_links(struct site_page *p, const char *prefix, struct str slug, struct str name);

#endif
