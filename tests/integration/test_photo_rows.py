"""Photos in the workspace, second pass (issue 12): an upload of several photos, each
with its own caption and alt text (the form's rows photo_K, caption_K, alt_K,
decorative_K); alt text is required unless the photo is marked decorative (then alt="");
a photo without either refuses the whole upload with the error beside its row's field
and nothing stored; the shared caption/alt of a plain "photo" field follow the same
rule; the gallery's «Вище» / «Нижче» buttons (the keyboard's and the no-JS way to
reorder) move one photo, keep the captions typed meanwhile and return to that photo;
the first photo has no «Вище», the last no «Нижче»; a new article's «Зберегти чернетку
й додати фото» saves the draft and opens its upload form; revisions keep the gallery, the
diff shows it and a restore brings it back."""
import re
import sqlite3

from harness import Server, check, done
from test_admin import Client, add_user, article_form, article_id_from, png


def gallery(srv, aid):
    with sqlite3.connect(srv.db) as db:
        return db.execute("SELECT id, caption, alt FROM photos WHERE article_id = ? "
                          "ORDER BY pos", (aid,)).fetchall()


def gallery_form(client, aid):
    _, _, body = client.get(f"/admin/articles/{aid}")
    ids = re.findall(r'name="order_(\d+)"', body)
    f = {"csrf": re.search(r'name="csrf" value="([0-9a-f]+)"', body).group(1),
         "gallery_version": re.search(r'name="gallery_version" value="(\d+)"', body).group(1)}
    for i, pid in enumerate(ids):
        # the gallery's fields (the upload rows' caption_K are another form's)
        cap = re.search(rf'id="caption_{pid}" name="caption_{pid}" value="([^"]*)"', body).group(1)
        alt = re.search(rf'id="alt_{pid}" name="alt_{pid}" value="([^"]*)"', body).group(1)
        f.update({f"order_{pid}": str(i + 1), f"caption_{pid}": cap, f"alt_{pid}": alt})
    return ids, f, body


def main():
    srv = Server(demo=False)
    add_user(srv, "editor", "editor")
    with srv:
        ed = Client(srv)
        st, _, _ = ed.login("editor")
        check(st == 303, f"editor logs in ({st})")
        csrf = ed.csrf()
        # photos before the first save: the new article's button saves the draft and
        # goes to its upload form; without JS the formatting toolbar stays hidden
        _, _, body = ed.get("/admin/articles/new")
        check(re.search(r'<button type="submit" form="article-form" name="action" '
                        r'value="photos"', body) is not None,
              "a new article offers «Зберегти чернетку й додати фото»")
        check(re.search(r'<span class="md-toolbar" id="md-toolbar"[^>]* hidden>', body)
              is not None, "the toolbar is hidden until editor.js shows it")
        st, h, _ = ed.post("/admin/articles/new", article_form(csrf, "Новина з підписаними фото",
                                                               action="photos"))
        aid = article_id_from(h)
        check(st == 303 and h.get("location", "").endswith(f"/admin/articles/{aid}?m=created#photos"),
              f"it saves the draft and opens its photos ({st}, {h.get('location')})")

        # the form: rows with a file, a caption, an alt text and «декоративне» each
        _, _, body = ed.get(f"/admin/articles/{aid}")
        for k in (1, 2, 3, 4):
            check(f'name="photo_{k}" type="file"' in body and f'name="caption_{k}"' in body
                  and f'name="alt_{k}"' in body and f'name="decorative_{k}"' in body,
                  f"the upload form has row {k}")
        check('<label for="up-alt-1">' in body, "each field has its label")

        files = [(f"photo_{k}", f"ph-{k}.png", png(300 + 10 * k, 200), "image/png")
                 for k in (1, 2, 3)]
        typed = {"csrf": csrf, "caption_1": "Голова громади на відкритті",
                 "alt_1": "Жінка перерізає стрічку біля входу до школи",
                 "caption_2": "Орнамент", "decorative_2": "1",
                 "caption_3": "Учні в класі"}
        st, _, body = ed.post_multipart(f"/admin/articles/{aid}/photos", typed, files)
        check(st == 422, f"a photo without alt text and not decorative refuses the upload ({st})")
        check(re.search(r'id="up-alt-3"[^>]*aria-describedby="up-alt-3-error alt-hint"'
                        r'[^>]*aria-invalid="true"', body) is not None
              and 'id="up-alt-3-error"' in body and "позначте його як декоративне" in body,
              "the error stands beside row 3's alt field")
        check('aria-invalid' not in re.search(r'<input id="up-alt-1"[^>]*>', body).group(0),
              "row 1 is not marked")
        check('value="Голова громади на відкритті"' in body and 'value="Учні в класі"' in body
              and re.search(r'name="decorative_2" value="1" checked', body) is not None,
              "what was typed is shown again")
        check(gallery(srv, aid) == [], "nothing was stored")

        typed["alt_3"] = "Діти за партами слухають учительку"
        st, h, _ = ed.post_multipart(f"/admin/articles/{aid}/photos", typed, files)
        check(st == 303 and "m=uploaded" in h.get("location", ""), f"uploaded with alt texts ({st})")
        g = gallery(srv, aid)
        check([(c, a) for _, c, a in g] == [
            ("Голова громади на відкритті", "Жінка перерізає стрічку біля входу до школи"),
            ("Орнамент", ""),
            ("Учні в класі", "Діти за партами слухають учительку")],
            f"each photo has its own caption and alt; the decorative one alt='' ({g})")

        # a decorative tick wins over a typed alt; rows without a file are ignored
        st, _, _ = ed.post_multipart(f"/admin/articles/{aid}/photos",
                                     {"csrf": csrf, "alt_1": "Зайвий опис", "decorative_1": "1",
                                      "caption_2": "рядок без файлу"},
                                     [("photo_1", "d.png", png(120, 90), "image/png")])
        g = gallery(srv, aid)
        check(st == 303 and len(g) == 4 and g[3][2] == "", f"decorative: alt='' ({st}, {g[3:]})")

        # the plain field with a shared caption: the same rule
        st, _, body = ed.post_multipart(f"/admin/articles/{aid}/photos",
                                        {"csrf": csrf, "caption": "Спільний"},
                                        [("photo", "shared.png", png(130, 90), "image/png")])
        check(st == 422 and "shared.png" in body and len(gallery(srv, aid)) == 4,
              f"a shared upload without alt is refused, naming the file ({st})")

        # reorder by buttons: the first has no «Вище», the last no «Нижче»
        ids, form, body = gallery_form(ed, aid)
        check(f'value="up_{ids[0]}"' not in body and f'value="down_{ids[0]}"' in body
              and f'value="up_{ids[-1]}"' in body and f'value="down_{ids[-1]}"' not in body,
              "«Вище» / «Нижче» where they can move")
        check(re.search(r'<button type="submit" name="move" value="down_\d+"[^>]*aria-label='
                        r'"Нижче: Фото 1"', body) is not None, "the buttons name their photo")
        form[f"caption_{ids[1]}"] = "Підпис, набраний перед перестановкою"
        form["move"] = f"down_{ids[0]}"
        st, h, _ = ed.post(f"/admin/articles/{aid}/gallery", form)
        check(st == 303 and h.get("location", "").endswith(f"#gphoto-{ids[0]}"),
              f"«Нижче» saves and returns to the moved photo ({st}, {h.get('location')})")
        g = gallery(srv, aid)
        check([str(p) for p, _, _ in g] == [ids[1], ids[0], ids[2], ids[3]],
              f"the first photo moved one down ({[p for p, _, _ in g]})")
        check(g[1][1] == "Голова громади на відкритті" and g[2][1] == "Учні в класі",
              f"the other captions are as they were ({g})")
        check(g[0][1] == "Підпис, набраний перед перестановкою", "the caption typed was kept")

        ids, form, _ = gallery_form(ed, aid)
        form["move"] = f"up_{ids[3]}"
        st, _, _ = ed.post(f"/admin/articles/{aid}/gallery", form)
        g = gallery(srv, aid)
        check(st == 303 and [str(p) for p, _, _ in g] == [ids[0], ids[1], ids[3], ids[2]],
              f"«Вище» moves the last one up ({st})")
        ids, form, _ = gallery_form(ed, aid)
        form["move"] = f"up_{ids[0]}"
        st, _, _ = ed.post(f"/admin/articles/{aid}/gallery", form)
        check(st == 303 and [str(p) for p, _, _ in gallery(srv, aid)] == ids,
              "the first one up stays where it is")
        ids2, form, _ = gallery_form(ed, aid)
        form["move"] = f"up_{ids2[1]}"
        form["gallery_version"] = "1"
        st, _, _ = ed.post(f"/admin/articles/{aid}/gallery", form)
        check(st == 409 and [str(p) for p, _, _ in gallery(srv, aid)] == ids2,
              f"a move from a stale form is refused like any gallery save ({st})")
        check_revisions(srv, ed, aid)
    done()


def check_revisions(srv, ed, aid):
    """A revision keeps the gallery (order, captions, alt texts), the diff shows its
    changes, and a restore brings it back (migration 19)."""
    def save_article():
        _, _, body = ed.get(f"/admin/articles/{aid}")
        v = re.search(r'name="version" value="(\d+)"', body).group(1)
        st, _, _ = ed.post(f"/admin/articles/{aid}", article_form(
            ed.csrf(), "Новина з підписаними фото", version=v,
            body=f"Текст версії {v}.", slug="novyna-z-pidpysanymy-foto"))
        check(st == 303, f"article saved ({st})")
        with sqlite3.connect(srv.db) as db:
            return db.execute("SELECT version, gallery FROM revisions WHERE article_id = ? "
                              "ORDER BY version DESC", (aid,)).fetchone()
    before = gallery(srv, aid)
    r1, g1 = save_article()
    check(g1.count("\n") == len(before) - 1 and "Голова громади на відкритті" in g1,
          f"the revision records the gallery, a photo a line ({g1!r})")

    ids, form, _ = gallery_form(ed, aid)
    form[f"caption_{ids[0]}"] = "Змінений підпис"
    form[f"alt_{ids[0]}"] = "Змінений опис"
    form["move"] = f"down_{ids[0]}"
    st, _, _ = ed.post(f"/admin/articles/{aid}/gallery", form)
    check(st == 303, f"gallery changed ({st})")
    r2, g2 = save_article()
    check("Змінений підпис" in g2 and g2 != g1, "the next revision records the new gallery")

    st, _, body = ed.get(f"/admin/articles/{aid}/diff?a={r1}&b={r2}")
    dels = " ".join(re.findall(r'<li class="del">(.*?)</li>', body, re.S))
    adds = " ".join(re.findall(r'<li class="add">(.*?)</li>', body, re.S))
    check(st == 200 and "Фото:" in body and "Змінений підпис" in adds and "Змінений опис" in adds
          and before[0][1] in dels,
          f"the diff shows the gallery's change ({st})")

    _, _, page = ed.get(f"/admin/articles/{aid}")
    v = re.search(r'name="version" value="(\d+)"', page).group(1)
    gv = re.search(r'name="gallery_version" value="(\d+)"', page).group(1)
    st, h, _ = ed.post(f"/admin/articles/{aid}/restore", {"csrf": ed.csrf(), "rev": str(r1),
                                                         "version": v})
    check(st == 303 and "m=restored" in h.get("location", ""), f"restored ({st})")
    check(gallery(srv, aid) == before, f"the gallery is back: order, captions, alt texts")
    with sqlite3.connect(srv.db) as db:
        r3, g3 = db.execute("SELECT version, gallery FROM revisions WHERE article_id = ? "
                            "ORDER BY version DESC", (aid,)).fetchone()
        gv2 = db.execute("SELECT gallery_version FROM articles WHERE id = ?", (aid,)).fetchone()
    check(r3 > r2 and g3 == g1, "the restore's revision records the restored gallery")
    # a gallery form loaded before the restore is stale now
    form["gallery_version"] = gv
    form.pop("move", None)
    st, _, _ = ed.post(f"/admin/articles/{aid}/gallery", form)
    check(st == 409 and gallery(srv, aid) == before,
          f"a gallery form from before the restore is refused ({st}, {gv2})")


if __name__ == "__main__":
    main()
