// visnyk workspace, the article's Markdown field: a formatting toolbar, and rich text
// pasted from Word or Google Docs turned into clean Markdown in the browser. Optional:
// without this file the toolbar stays hidden and the textarea takes what is typed or
// pasted as plain text.
(function () {
  'use strict';
  var MAX_HTML = 4 * 1024 * 1024; // a bigger clipboard is pasted as plain text
  var BLOCK = /^(P|DIV|H[1-6]|UL|OL|LI|BLOCKQUOTE|TABLE|THEAD|TBODY|TFOOT|TR|TD|TH|PRE|HR|SECTION|ARTICLE|HEADER|FOOTER|MAIN|ASIDE|NAV|FIGURE|FIGCAPTION|CENTER|DL|DT|DD|ADDRESS)$/;
  // what carries no text of the article: Word's <o:p> holds only its empty-paragraph
  // spacing, images need an upload of their own
  var DROP = /^(STYLE|X-STYLE|SCRIPT|META|LINK|TITLE|XML|HEAD|TEMPLATE|NOSCRIPT|IFRAME|OBJECT|EMBED|SVG|IMG|PICTURE|VIDEO|AUDIO|CANVAS|BUTTON|INPUT|SELECT|TEXTAREA|O:P|V:SHAPE|V:IMAGEDATA)$/;

  function esc(t) { return t.replace(/([\\`*_[\]<])/g, '\\$1'); }
  function spaces(t) { return t.replace(/[\s\u00a0]+/g, ' '); }
  function tagOf(n) { return n.tagName.toUpperCase(); }
  // style attributes are read as text: fromHtml renames them before parsing, since the
  // parsed document inherits the page's CSP (style-src 'self'), which refuses them
  function styleAttr(n) { return n.getAttribute('data-style') || ''; }
  function css(n, prop) {
    var m = new RegExp('(?:^|;)\\s*' + prop + '\\s*:\\s*([^;]+)', 'i').exec(styleAttr(n));
    return m ? m[1].trim().toLowerCase() : '';
  }
  // Word's bullets and numbers sit in <span style="mso-list:Ignore">: the Markdown list
  // marker replaces them
  function ignored(n) { return /mso-list:\s*ignore/i.test(styleAttr(n)); }
  function tidy(t) {
    return t.replace(/[ \t]*\n[ \t]*/g, '\n').replace(/ {2,}/g, ' ').replace(/^\n+|\n+$/g, '').trim();
  }
  function wrap(t, mark) {
    var core = t.trim();
    if (!core) return t;
    return t.match(/^\s*/)[0] + mark + core + mark + t.match(/\s*$/)[0];
  }
  function weight(n) {
    var w = css(n, 'font-weight');
    if (w === 'bold' || w === 'bolder') return 'bold';
    if (w === 'normal' || w === 'lighter') return 'normal';
    var k = parseInt(w, 10);
    return isNaN(k) ? '' : k >= 600 ? 'bold' : 'normal';
  }

  // inline: the Markdown of a node's children as running text; ctx says which
  // emphasis is already open, so that nested <b><span style="font-weight:700"> is one
  function inline(node, ctx) {
    var out = '';
    node.childNodes.forEach(function (n) { out += inlineOne(n, ctx); });
    return out;
  }
  function inlineOne(n, ctx) {
    if (n.nodeType === 3) return esc(spaces(n.nodeValue));
    if (n.nodeType !== 1) return '';
    var tag = tagOf(n);
    if (DROP.test(tag) || ignored(n)) return '';
    if (tag === 'BR') return ctx.heading || ctx.cell ? ' ' : '\\\n';
    var w = weight(n);
    // Google Docs wraps everything in <b style="font-weight:normal">
    var bold = !ctx.bold && ((tag === 'B' || tag === 'STRONG') ? w !== 'normal' : w === 'bold');
    var italic = !ctx.italic && (((tag === 'I' || tag === 'EM') && css(n, 'font-style') !== 'normal') ||
      css(n, 'font-style') === 'italic');
    var inner = inline(n, { bold: ctx.bold || bold, italic: ctx.italic || italic,
      heading: ctx.heading, cell: ctx.cell });
    if (tag === 'A') {
      var href = (n.getAttribute('href') || '').trim();
      if (/^(https?:|mailto:)/i.test(href) && inner.trim())
        inner = '[' + inner.trim() + '](' + href.replace(/[()\s<>]/g, encodeURIComponent) + ')';
    }
    if (italic) inner = wrap(inner, '*');
    if (bold) inner = wrap(inner, '**');
    if (BLOCK.test(tag)) inner = ' ' + inner + ' '; // paragraphs inside a table cell
    return inner;
  }

  // list: an <ul>/<ol> as Markdown lines; a nested list is indented to its item's text
  function list(el) {
    var lines = [], ordered = tagOf(el) === 'OL', k = 0, lastMarker = '- ';
    var start = ordered ? parseInt(el.getAttribute('start') || '1', 10) || 1 : 1;
    el.childNodes.forEach(function (li) {
      if (li.nodeType !== 1) return;
      var tag = tagOf(li);
      if (tag === 'UL' || tag === 'OL') { // Google Docs nests <ul> directly in <ul>
        lines.push(indent(list(li), lastMarker.length));
        return;
      }
      if (tag !== 'LI') return;
      var marker = ordered ? (start + k++) + '. ' : '- ';
      var text = '', nested = [];
      li.childNodes.forEach(function (c) {
        if (c.nodeType === 1 && (tagOf(c) === 'UL' || tagOf(c) === 'OL')) nested.push(list(c));
        else text += inlineOne(c, { heading: true });
      });
      lines.push(marker + tidy(text).replace(/\n/g, ' '));
      nested.forEach(function (m) { lines.push(indent(m, marker.length)); });
      lastMarker = marker;
    });
    return lines.join('\n');
  }
  function indent(text, n) {
    var pad = new Array(n + 1).join(' ');
    return text.split('\n').map(function (l) { return l ? pad + l : l; }).join('\n');
  }

  // Word writes lists as paragraphs with style="mso-list:l0 level2 lfo1" and the bullet
  // or number typed out in an ignored span
  function wordItem(n) {
    return n.nodeType === 1 && tagOf(n) === 'P' && /mso-list:\s*l\d+\s+level\d+/i.test(styleAttr(n));
  }
  function wordLists(kids, i, out) {
    var lines = [], widths = [], counts = [];
    for (; i < kids.length; i++) {
      var n = kids[i];
      if (n.nodeType === 3 && !n.nodeValue.trim()) continue;
      if (n.nodeType === 8) continue;
      if (!wordItem(n)) break;
      var level = +/level(\d+)/i.exec(styleAttr(n))[1];
      var mark = n.querySelector('[style*="mso-list"]');
      var ordered = mark && /^\s*\(?[0-9a-zA-Z]{1,4}[.)]/.test(mark.textContent);
      counts.length = level + 1;
      counts[level] = (counts[level] || 0) + 1;
      var marker = ordered ? counts[level] + '. ' : '- ';
      var pad = 0;
      for (var l = 1; l < level; l++) pad += widths[l] || 2;
      widths[level] = marker.length;
      lines.push(indent(marker + tidy(inline(n, { heading: true })).replace(/\n/g, ' '), pad));
    }
    if (lines.length) out.push(lines.join('\n'));
    return i;
  }

  function table(el) {
    var rows = [];
    el.querySelectorAll('tr').forEach(function (tr) {
      var cells = [];
      tr.childNodes.forEach(function (c) {
        if (c.nodeType === 1 && /^T[DH]$/.test(tagOf(c)))
          cells.push(tidy(inline(c, { cell: true })).replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|'));
      });
      if (cells.length) rows.push(cells);
    });
    if (!rows.length) return '';
    var width = Math.max.apply(null, rows.map(function (r) { return r.length; }));
    rows.forEach(function (r) { while (r.length < width) r.push(''); });
    var line = function (r) { return '| ' + r.join(' | ') + ' |'; };
    var out = [line(rows[0]), '|' + rows[0].map(function () { return ' --- '; }).join('|') + '|'];
    rows.slice(1).forEach(function (r) { out.push(line(r)); });
    return out.join('\n');
  }

  // blocks: the Markdown blocks of a node's children; running text between blocks is
  // a paragraph of its own, and an empty paragraph (Word's spacing) none
  function blocks(node, out) {
    var run = '';
    var flush = function () {
      var t = tidy(run.replace(/\n{2,}/g, '\n'));
      if (t && t !== '\\') out.push(t);
      run = '';
    };
    var kids = Array.prototype.slice.call(node.childNodes);
    for (var i = 0; i < kids.length; i++) {
      var n = kids[i];
      if (n.nodeType === 3) { run += esc(spaces(n.nodeValue)); continue; }
      if (n.nodeType !== 1) continue;
      var tag = tagOf(n);
      if (DROP.test(tag) || ignored(n)) continue;
      if (!BLOCK.test(tag) && !n.querySelector(BLOCK_SELECTOR)) { run += inlineOne(n, {}); continue; }
      flush();
      if (/^H[1-6]$/.test(tag)) {
        var h = tidy(inline(n, { bold: true, heading: true }));
        if (h) out.push(new Array(+tag[1] + 1).join('#') + ' ' + h);
      } else if (tag === 'UL' || tag === 'OL') {
        var l = list(n);
        if (l.trim()) out.push(l);
      } else if (tag === 'BLOCKQUOTE') {
        var inner = [];
        blocks(n, inner);
        if (inner.length) out.push(inner.join('\n\n').split('\n').map(function (q) {
          return q ? '> ' + q : '>';
        }).join('\n'));
      } else if (tag === 'TABLE') {
        var t = table(n);
        if (t) out.push(t);
      } else if (tag === 'HR') {
        out.push('---');
      } else if (tag === 'PRE') {
        out.push('```\n' + n.textContent.replace(/```/g, '` ` `').replace(/\n$/, '') + '\n```');
      } else if (wordItem(n)) {
        i = wordLists(kids, i, out) - 1;
      } else {
        blocks(n, out);
      }
    }
    flush();
  }
  var BLOCK_SELECTOR = 'p,div,h1,h2,h3,h4,h5,h6,ul,ol,li,blockquote,table,pre,hr';

  // fromHtml: clean Markdown from a clipboard's text/html (parsed inert: DOMParser
  // runs no script and loads nothing)
  function fromHtml(html) {
    html = html.replace(/<(\/?)style\b/gi, '<$1x-style').replace(/<[a-z][^>]*>/gi, function (tag) {
      return tag.replace(/(\s)style(\s*=)/gi, '$1data-style$2');
    });
    var doc = new DOMParser().parseFromString(html, 'text/html');
    var out = [];
    blocks(doc.body, out);
    return out.join('\n\n');
  }
  window.visnykMarkdown = { fromHtml: fromHtml };

  var body = document.getElementById('body');
  var bar = document.getElementById('md-toolbar');
  if (!body || !bar) return;

  // insert replaces the selection as typing would: the browser's undo keeps it, and the
  // input event tells autosave
  function insert(text) {
    body.focus();
    var done = false;
    try { done = document.execCommand('insertText', false, text); } catch (e) { done = false; }
    if (!done) {
      body.setRangeText(text, body.selectionStart, body.selectionEnd, 'end');
      body.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }
  function around(before, after, placeholder, selectFrom) {
    var s = body.selectionStart, e = body.selectionEnd;
    var sel = body.value.slice(s, e) || placeholder;
    insert(before + sel + after);
    if (selectFrom === 'after') // the link's address, to be typed over
      body.setSelectionRange(s + before.length + sel.length + 2, s + before.length + sel.length + after.length - 1);
    else
      body.setSelectionRange(s + before.length, s + before.length + sel.length);
  }
  function lines(prefix) {
    var v = body.value, s = body.selectionStart, e = body.selectionEnd;
    var from = v.lastIndexOf('\n', s - 1) + 1, to = v.indexOf('\n', e);
    if (to < 0) to = v.length;
    var n = 0;
    var text = v.slice(from, to).split('\n').map(function (l) {
      return l.trim() ? prefix(++n) + l.replace(/^(#{1,6} |> |- |\d+\. )/, '') : l;
    }).join('\n');
    body.setSelectionRange(from, to);
    insert(text);
    body.setSelectionRange(from, from + text.length);
  }
  var ACTIONS = {
    bold: function () { around('**', '**', bar.dataset.sample); },
    italic: function () { around('*', '*', bar.dataset.sample); },
    heading: function () { lines(function () { return '## '; }); },
    list: function () { lines(function () { return '- '; }); },
    numbered: function () { lines(function (k) { return k + '. '; }); },
    link: function () { around('[', '](https://)', bar.dataset.sample, 'after'); },
    quote: function () { lines(function () { return '> '; }); }
  };
  bar.addEventListener('click', function (e) {
    var b = e.target.closest('button[data-md]');
    if (b && ACTIONS[b.dataset.md]) ACTIONS[b.dataset.md]();
  });
  body.addEventListener('keydown', function (e) {
    if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
    var k = e.key.toLowerCase();
    var act = k === 'b' ? 'bold' : k === 'i' ? 'italic' : k === 'k' ? 'link' : '';
    if (!act) return;
    e.preventDefault();
    ACTIONS[act]();
  });
  body.addEventListener('paste', function (e) {
    var html = e.clipboardData ? e.clipboardData.getData('text/html') : '';
    if (!html || html.length > MAX_HTML) return; // plain text: as the browser pastes it
    var md = fromHtml(html);
    if (!md) return;
    e.preventDefault();
    insert(md);
  });
  bar.hidden = false;
})();
