/* test_document.c: the PDF check (by content, strict), the page count, titles from file
 * names, URL names, Content-Disposition, the Ukrainian size format and the atomic write. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/arena.h"
#include "core/buf.h"
#include "media/document.h"

/* A minimal valid PDF of n_pages pages, written in one piece. */
static size_t make_pdf(char *out, size_t cap, int n_pages)
{
    size_t n = 0;
    n += (size_t)snprintf(out + n, cap - n, "%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n");
    n += (size_t)snprintf(out + n, cap - n, "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n");
    n += (size_t)snprintf(out + n, cap - n, "2 0 obj << /Type /Pages /Count %d /Kids [", n_pages);
    for (int i = 0; i < n_pages; i++)
        n += (size_t)snprintf(out + n, cap - n, " %d 0 R", 3 + i);
    n += (size_t)snprintf(out + n, cap - n, " ] >> endobj\n");
    for (int i = 0; i < n_pages; i++)
        n += (size_t)snprintf(out + n, cap - n,
                              "%d 0 obj << /Type/Page /Parent 2 0 R /MediaBox [0 0 595 842] >> "
                              "endobj\n",
                              3 + i);
    n += (size_t)snprintf(out + n, cap - n, "trailer << /Root 1 0 R >>\nstartxref\n0\n%%%%EOF\n");
    return n;
}

static enum media_doc_problem problem_of(const char *p, size_t n)
{
    struct media_doc_info info;
    enum media_doc_problem pr = MEDIA_DOC_OK;
    enum err e = media_doc_check((const unsigned char *)p, n, &info, &pr);
    CHECK((e == ERR_OK) == (pr == MEDIA_DOC_OK)); /* the error and the problem agree */
    return pr;
}

static void test_check(void)
{
    char pdf[4096];
    size_t n = make_pdf(pdf, sizeof pdf, 3);
    struct media_doc_info info;
    enum media_doc_problem pr;

    CHECK(media_doc_check((const unsigned char *)pdf, n, &info, &pr) == ERR_OK);
    CHECK(pr == MEDIA_DOC_OK);
    CHECK(strlen(info.hash) == 64 && media_doc_hash_ok(str_from_cstr(info.hash)));
    CHECK(strcmp(info.mime, "application/pdf") == 0);
    CHECK(info.bytes == n);
    CHECK(info.pages == 3);

    /* empty, HTML renamed .pdf, a JPEG, a header not at offset 0, a bad version */
    CHECK(problem_of("", 0) == MEDIA_DOC_EMPTY);
    static const char html[] = "<!doctype html><script>alert(1)</script>%PDF-1.4 %%EOF";
    CHECK(problem_of(html, sizeof html - 1) == MEDIA_DOC_NOT_PDF);
    static const char jpeg[] = "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01"
                               "\x00\x00 padding padding padding %%EOF";
    CHECK(problem_of(jpeg, sizeof jpeg - 1) == MEDIA_DOC_NOT_PDF);
    char shifted[4200];
    shifted[0] = ' ';
    memcpy(shifted + 1, pdf, n);
    CHECK(problem_of(shifted, n + 1) == MEDIA_DOC_NOT_PDF);
    char bad[4096];
    memcpy(bad, pdf, n);
    bad[5] = 'x';
    CHECK(problem_of(bad, n) == MEDIA_DOC_NOT_PDF);
    CHECK(problem_of("%PDF-1.4\n%%EOF\n", 15) == MEDIA_DOC_NOT_PDF); /* too short to be one */
    /* cut short: the end marker is gone */
    CHECK(problem_of(pdf, n - 8) == MEDIA_DOC_TRUNCATED);
    /* the marker must be near the end, not anywhere */
    size_t big = 8000;
    char *far = malloc(big);
    memcpy(far, pdf, n);
    memset(far + n, ' ', big - n);
    CHECK(problem_of(far, big) == MEDIA_DOC_TRUNCATED);
    memcpy(far + big - 7, "%%EOF\r\n", 7);
    CHECK(problem_of(far, big) == MEDIA_DOC_OK);
    free(far);
    /* over the size bound: refused before anything is read */
    char *huge = calloc(1, MEDIA_DOC_MAX_BYTES + 1);
    memcpy(huge, pdf, n);
    CHECK(media_doc_check((const unsigned char *)huge, MEDIA_DOC_MAX_BYTES + 1, &info, &pr) ==
          ERR_TOO_LARGE);
    CHECK(pr == MEDIA_DOC_TOO_LARGE);
    free(huge);
}

static void test_pages(void)
{
    char pdf[8192];
    struct media_doc_info info;
    enum media_doc_problem pr;
    size_t n = make_pdf(pdf, sizeof pdf, 1);
    CHECK(media_doc_check((const unsigned char *)pdf, n, &info, &pr) == ERR_OK && info.pages == 1);
    n = make_pdf(pdf, sizeof pdf, 12);
    CHECK(media_doc_check((const unsigned char *)pdf, n, &info, &pr) == ERR_OK && info.pages == 12);
    /* an incremental update (a second %%EOF) may repeat page objects: unknown */
    memcpy(pdf + n, "4 0 obj << /Type /Page >> endobj\n%%EOF\n", 39);
    CHECK(media_doc_check((const unsigned char *)pdf, n + 39, &info, &pr) == ERR_OK &&
          info.pages == 0);
    /* object streams hide the page objects: unknown rather than wrong */
    n = make_pdf(pdf, sizeof pdf, 2);
    memcpy(pdf + 9, "/ObjStm", 7);
    CHECK(media_doc_check((const unsigned char *)pdf, n, &info, &pr) == ERR_OK && info.pages == 0);
}

static void test_names(void)
{
    struct arena *a = arena_new(4096);
    CHECK(media_doc_hash_ok(
        STR_LIT("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")));
    CHECK(!media_doc_hash_ok(
        STR_LIT("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef")));
    CHECK(!media_doc_hash_ok(STR_LIT("../../../../etc/passwd")));
    CHECK(!media_doc_hash_ok(
        STR_LIT("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde/")));
    CHECK(!media_doc_hash_ok(STR_LIT("")));

    CHECK_STR(media_doc_title_from_filename(a, STR_LIT("Рішення_сесії №12.PDF")),
              "Рішення сесії №12");
    CHECK_STR(media_doc_title_from_filename(a, STR_LIT("C:\\Users\\me\\Звіт.pdf")), "Звіт");
    CHECK_STR(media_doc_title_from_filename(a, STR_LIT("../../etc/план  2024.pdf")), "план 2024");
    CHECK_STR(media_doc_title_from_filename(a, STR_LIT(".pdf")), "");
    CHECK_STR(media_doc_title_from_filename(a, STR_LIT("bad\xff\xfe utf8\x01.pdf")), "bad utf8");
    CHECK_STR(media_doc_title_clean(a, STR_LIT("  Наказ\r\n№ 5  ")), "Наказ № 5");
    struct str longt = media_doc_title_clean(
        a,
        str_from_cstr(
            "ііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііі"
            "ііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііі"
            "ііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііі"
            "ііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііііі"
            "і"));
    CHECK(longt.len <= MEDIA_DOC_MAX_TITLE_BYTES && longt.len % 2 == 0);

    CHECK_STR(media_doc_url_name(a, STR_LIT("Рішення сесії № 12")), "rishennia-sesii-12.pdf");
    CHECK_STR(media_doc_url_name(a, STR_LIT("№")), "document.pdf");
    CHECK_STR(media_doc_url_name(a, STR_LIT("Звіт.pdf")), "zvit.pdf");

    CHECK_STR(media_doc_disposition(a, STR_LIT("Звіт 2024")),
              "attachment; filename=\"zvit-2024.pdf\"; "
              "filename*=UTF-8''%D0%97%D0%B2%D1%96%D1%82%202024.pdf");
    /* quotes, slashes and percent signs never reach the header raw */
    CHECK_STR(media_doc_disposition(a, STR_LIT("a\"b/c%d.pdf")),
              "attachment; filename=\"a-b-c-d.pdf\"; filename*=UTF-8''a%22b%2Fc%25d.pdf");
    arena_free(a);
}

static void check_size(uint64_t bytes, const char *want)
{
    struct media_doc_units uk = {STR_LIT("Б"), STR_LIT("КБ"), STR_LIT("МБ"), ','};
    struct buf b;
    buf_init(&b, 64);
    CHECK(media_doc_size_format(bytes, &uk, &b) == ERR_OK);
    CHECK_STR(buf_str(&b), want);
    buf_free(&b);
}

static void test_size(void)
{
    check_size(0, "0\xc2\xa0Б");
    check_size(512, "512\xc2\xa0Б");
    check_size(1023, "1023\xc2\xa0Б");
    check_size(1024, "1\xc2\xa0КБ");
    check_size(1536, "2\xc2\xa0КБ");
    check_size(348160, "340\xc2\xa0КБ");
    check_size(1047552, "1023\xc2\xa0КБ");
    check_size(1048575, "1,0\xc2\xa0МБ"); /* 1024 KB rounded is a megabyte */
    check_size(1258291, "1,2\xc2\xa0МБ");
    check_size(16 * 1048576, "16,0\xc2\xa0МБ");
    check_size(15 * 1048576 + 943718, "15,9\xc2\xa0МБ");
    struct media_doc_units en = {STR_LIT("B"), STR_LIT("KB"), STR_LIT("MB"), '.'};
    struct buf b;
    buf_init(&b, 64);
    CHECK(media_doc_size_format(1258291, &en, &b) == ERR_OK);
    CHECK_STR(buf_str(&b), "1.2\xc2\xa0MB");
    buf_free(&b);
}

static void test_write(void)
{
    char dir[] = "/tmp/visnyk-doc-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char pdf[4096];
    size_t n = make_pdf(pdf, sizeof pdf, 2);
    struct media_doc_info info;
    enum media_doc_problem pr;
    CHECK(media_doc_check((const unsigned char *)pdf, n, &info, &pr) == ERR_OK);
    CHECK(media_doc_write(dir, info.hash, pdf, n) == ERR_OK);
    CHECK(media_doc_write(dir, info.hash, pdf, n) == ERR_OK); /* idempotent */
    CHECK(media_doc_write(dir, "../evil", pdf, n) == ERR_INVALID);
    char path[256];
    snprintf(path, sizeof path, "%s/%s.pdf", dir, info.hash);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (size_t)st.st_size == n && (st.st_mode & 0777) == 0644);
    /* nothing else is left behind (no temp files) */
    DIR *d = opendir(dir);
    int files = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.' || (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")))
            files++;
    closedir(d);
    CHECK(files == 1);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    test_check();
    test_pages();
    test_names();
    test_size();
    test_write();
    return check_done();
}
