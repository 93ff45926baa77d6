import { describe, expect, it } from 'vitest';
import { LINK_REL, MAX_NESTING, plainText, renderMarkdown } from './markdown';
import { user } from './testutil';

const REL = `target="_blank" rel="${LINK_REL}"`;
/** The deepest nesting of an element in the output. */
function depth(html: string, tag: string): number {
  let d = 0;
  let max = 0;
  for (const m of html.matchAll(new RegExp(`<(/?)${tag}>`, 'g'))) {
    d += m[1] ? -1 : 1;
    max = Math.max(max, d);
  }
  return max;
}
/** Every tag name in the output: the subset's elements and nothing else. */
const tags = (html: string) => new Set([...html.matchAll(/<\/?([a-z0-9]+)/gi)].map((m) => m[1].toLowerCase()));
const SUBSET = new Set(['p', 'br', 'strong', 'em', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a']);
const inSubset = (html: string) => [...tags(html)].every((t) => SUBSET.has(t));
/** Every href in the output. */
const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
const timed = (f: () => string) => {
  const start = performance.now();
  const out = f();
  return { out, ms: performance.now() - start };
};

describe('renderMarkdown: the subset', () => {
  it('renders bold, italic, strikethrough and inline code', () => {
    expect(renderMarkdown('**bold** __also__ *it* _also_ ~~gone~~ `x < y`')).toBe(
      '<p><strong>bold</strong> <strong>also</strong> <em>it</em> <em>also</em> <s>gone</s> <code>x &lt; y</code></p>\n',
    );
  });

  it('renders fenced and indented code blocks, their text escaped', () => {
    expect(renderMarkdown('```\n<b>x</b>\n  **y**\n```')).toBe('<pre><code>&lt;b&gt;x&lt;/b&gt;\n  **y**\n</code></pre>\n');
    expect(renderMarkdown('```js\nlet a = 1;\n```')).toBe('<pre><code class="language-js">let a = 1;\n</code></pre>\n');
    expect(renderMarkdown('    indented')).toBe('<pre><code>indented\n</code></pre>\n');
  });

  it('renders quotes, bullet and ordered lists', () => {
    expect(renderMarkdown('> quoted\n> more\n\nreply')).toBe('<blockquote>\n<p>quoted<br>more</p>\n</blockquote>\n<p>reply</p>\n');
    expect(renderMarkdown('- one\n- two\n  - nested')).toBe('<ul>\n<li>one</li>\n<li>two\n<ul>\n<li>nested</li>\n</ul>\n</li>\n</ul>\n');
    expect(renderMarkdown('1. first\n2. second')).toBe('<ol>\n<li>first</li>\n<li>second</li>\n</ol>\n');
    expect(renderMarkdown('* star\n+ plus')).toContain('<li>star</li>');
  });

  it('makes a newline a line break and a blank line a new paragraph', () => {
    expect(renderMarkdown('one\ntwo\n\nthree')).toBe('<p>one<br>two</p>\n<p>three</p>\n');
  });

  it('renders links and bare URLs, every one opening a new tab without opener or referrer', () => {
    expect(renderMarkdown('[site](https://example.com/a?b=1&c=2 "Title")')).toBe(
      `<p><a href="https://example.com/a?b=1&amp;c=2" title="Title" ${REL}>site</a></p>\n`,
    );
    expect(renderMarkdown('see https://example.com/x, then')).toBe(`<p>see <a href="https://example.com/x" ${REL}>https://example.com/x</a>, then</p>\n`);
    expect(renderMarkdown('<https://example.com>')).toBe(`<p><a href="https://example.com" ${REL}>https://example.com</a></p>\n`);
    expect(renderMarkdown('[mail](mailto:bob@example.com) http://plain.example')).toBe(
      `<p><a href="mailto:bob@example.com" ${REL}>mail</a> <a href="http://plain.example" ${REL}>http://plain.example</a></p>\n`,
    );
    // Bare domains stay text, as before Markdown.
    expect(renderMarkdown('example.com')).toBe('<p>example.com</p>\n');
  });

  it('keeps escapes and entities as text', () => {
    expect(renderMarkdown('\\*not italic\\* \\`not code\\`')).toBe('<p>*not italic* `not code`</p>\n');
    expect(renderMarkdown('&copy; &#169; &amp;')).toBe('<p>© © &amp;</p>\n');
  });

  it('leaves headings, rules, tables, images and reference links as the text typed', () => {
    const html = renderMarkdown('# Title\n\n---\n\nSub\n===\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![alt](http://x/y.png)\n\n[r]: https://x.y\n\n[r]');
    expect(html).not.toMatch(/<(h\d|hr|table|tr|td|th|img)\b/);
    expect(html).toContain('<p># Title</p>');
    expect(html).toContain('<p>---</p>');
    expect(html).toContain('| a | b |');
    expect(html).toContain('[r]');
    expect(inSubset(html)).toBe(true);
  });

  it('caches: the same text gives the same HTML', () => {
    const text = `cached **${Math.random()}**`;
    expect(renderMarkdown(text)).toBe(renderMarkdown(text));
  });
});

describe('renderMarkdown: hostile input', () => {
  it('shows HTML as text, never as markup', () => {
    const script = renderMarkdown('<script>alert(1)</script>');
    expect(script).not.toMatch(/<script/i);
    expect(script).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const img = renderMarkdown('<img src=x onerror=alert(1)>');
    expect(img).not.toMatch(/<img/i);
    expect(img).toContain('&lt;img src=x onerror=alert(1)&gt;');
    for (const html of [
      renderMarkdown('<div>\n<iframe src="https://evil.example"></iframe>\n</div>'),
      renderMarkdown('a <b onclick="x()">b</b> <!-- c --> <svg onload=alert(1)>'),
      renderMarkdown('**<script>x</script>** `<script>`\n\n```\n</code></pre><script>x</script>\n```'),
      renderMarkdown('> <style>body{display:none}</style>\n- <a href="javascript:x">y</a>'),
    ]) {
      expect(html).not.toMatch(/<(script|img|iframe|div|b|svg|style|!--)[\s>]/i);
      expect(inSubset(html)).toBe(true);
      expect(html).not.toMatch(/<[^>]*\son\w+=/i);
    }
  });

  it('never links to javascript:, vbscript:, data: or file: URLs, however written', () => {
    const links = [
      '[x](javascript:alert(1))',
      '[x](JaVaScRiPt:alert(1))',
      '[x]( javascript:alert(1) )',
      '[x](<javascript:alert(1)>)',
      '[x](&#106;avascript:alert(1))',
      '[x](javascript&#58;alert(1))',
      '[x](java&#09;script:alert(1))',
      '[x](%6Aavascript:alert(1))',
      '[x](data:text/html,<script>alert(1)</script>)',
      '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
      '[x](data:image/png;base64,iVBORw0KGgo=)',
      '[x](vbscript:msgbox(1))',
      '[x](file:///etc/passwd)',
      '<javascript:alert(1)>',
      'javascript:alert(1) vbscript:x data:text/html,x',
      '[x](ftp://example.com) [y](/relative) [z](//evil.example) [w](#top)',
    ];
    for (const text of links) {
      const html = renderMarkdown(text);
      expect(html, text).not.toMatch(/href="\s*(javascript|vbscript|data|file)/i);
      expect(html, text).not.toMatch(/<a /);
      expect(hrefs(html), text).toEqual([]);
    }
  });

  it('keeps entities as text: an escaped tag never becomes a tag', () => {
    const html = renderMarkdown('&lt;b&gt;bold?&lt;/b&gt; &#60;script&#62; &amp;lt;i&amp;gt; &amp;');
    expect(html).toBe('<p>&lt;b&gt;bold?&lt;/b&gt; &lt;script&gt; &amp;lt;i&amp;gt; &amp;</p>\n');
    expect(html).not.toMatch(/<(b|script|i)>/);
  });

  it('renders 10,000 nested quotes quickly, nesting at most maxNesting deep, the rest as text', () => {
    const { out, ms } = timed(() => renderMarkdown(`${'>'.repeat(10_000)} deep`));
    expect(ms).toBeLessThan(1000);
    expect(depth(out, 'blockquote')).toBeGreaterThan(5);
    expect(depth(out, 'blockquote')).toBeLessThanOrEqual(MAX_NESTING);
    // Nothing is lost: past the limit the markers and the text are shown as text.
    expect(out).toContain('&gt;&gt;&gt; deep</p>');
    expect(inSubset(out)).toBe(true);
  });

  it('renders 10,000 nested list items quickly, nesting at most maxNesting deep', () => {
    for (const text of [`${'- '.repeat(10_000)}x`, `${'1. '.repeat(10_000)}x`, `${'> - '.repeat(5_000)}x`]) {
      const { out, ms } = timed(() => renderMarkdown(text));
      expect(ms, text.slice(0, 8)).toBeLessThan(1000);
      const levels = depth(out, 'ul') + depth(out, 'ol') + depth(out, 'li') + depth(out, 'blockquote');
      expect(levels).toBeGreaterThan(5);
      expect(levels).toBeLessThanOrEqual(MAX_NESTING);
      expect(out).toMatch(/ x<\/li>/);
    }
    const lines = Array.from({ length: 500 }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n');
    const { out, ms } = timed(() => renderMarkdown(lines));
    expect(ms).toBeLessThan(1000);
    expect(depth(out, 'ul')).toBeLessThanOrEqual(MAX_NESTING);
    expect(out).toContain('item 499');
  });

  it('renders other pathological input quickly', () => {
    for (const text of ['*a'.repeat(10_000), '**'.repeat(5_000), '['.repeat(10_000), '[a]('.repeat(10_000), '`'.repeat(10_000), '~~a'.repeat(10_000), '<'.repeat(10_000), '&'.repeat(10_000), 'https://x.y/'.repeat(2_000)]) {
      const { out, ms } = timed(() => renderMarkdown(text));
      expect(ms, text.slice(0, 8)).toBeLessThan(1000);
      expect(inSubset(out)).toBe(true);
    }
  });
});

describe('plainText', () => {
  it('drops the markers and keeps the text', () => {
    expect(plainText('**bold** and `code`')).toBe('bold and code');
    expect(plainText('*it* _also_ ~~gone~~ __strong__')).toBe('it also gone strong');
    expect(plainText('[site](https://x.y)')).toBe('site');
    expect(plainText('see https://x.y/a')).toBe('see https://x.y/a');
    expect(plainText('> quoted\nreply')).toBe('quoted\nreply');
    expect(plainText('- one\n- two\n\n1. three')).toBe('one\ntwo\nthree');
    expect(plainText('```js\nlet a = 1;\n```')).toBe('let a = 1;');
    expect(plainText('\\*literal\\* &amp; &lt;b&gt;')).toBe('*literal* & <b>');
  });

  it('keeps HTML and what the subset leaves out as the text typed', () => {
    expect(plainText('<script>alert(1)</script>')).toBe('<script>alert(1)</script>');
    expect(plainText('# Title')).toBe('# Title');
    expect(plainText('[x](javascript:alert(1))')).toBe('[x](javascript:alert(1))');
  });

  it('makes one line per line of text, blank lines and spaces around them dropped', () => {
    expect(plainText('  one  \n\n\n  two')).toBe('one\ntwo');
    expect(plainText('')).toBe('');
    expect(plainText('>')).toBe('');
  });

  it('is quick on hostile input', () => {
    const { out, ms } = timed(() => plainText(`${'>'.repeat(10_000)} deep`));
    expect(ms).toBeLessThan(1000);
    expect(out.endsWith('> deep')).toBe(true);
  });
});

describe('mentions', () => {
  const ANN = '0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b';
  const BEN = '0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5c';
  const users = { [ANN]: user(ANN, { username: 'ann', display_name: 'Ann' }), [BEN]: user(BEN, { username: 'ben', display_name: '' }) };
  const span = (id: string, name: string, me = false) =>
    `<span class="mention${me ? ' mention-me' : ''}" data-user-id="${id}">@${name}</span>`;

  it('shows a mention as @ and the current display name (the username without one); mine highlighted', () => {
    expect(renderMarkdown(`hi <@${ANN}> and <@${BEN}>!`, { users, meId: BEN })).toBe(`<p>hi ${span(ANN, 'Ann')} and ${span(BEN, 'ben', true)}!</p>\n`);
    expect(plainText(`hi <@${ANN}>, **<@${BEN}>**`, users)).toBe('hi @Ann, @ben');
  });

  it('shows a new name once the person is renamed (the same text renders anew)', () => {
    const text = `ping <@${ANN}>`;
    expect(renderMarkdown(text, { users })).toContain('@Ann<');
    const renamed = { ...users, [ANN]: { ...users[ANN], display_name: 'Annabel' } };
    expect(renderMarkdown(text, { users: renamed })).toBe(`<p>ping ${span(ANN, 'Annabel')}</p>\n`);
    expect(plainText(text, users)).toBe('ping @Ann');
    expect(plainText(text, renamed)).toBe('ping @Annabel');
    // And back: nothing of the other rendering is kept for the old name.
    expect(renderMarkdown(text, { users })).toBe(`<p>ping ${span(ANN, 'Ann')}</p>\n`);
  });

  it('escapes a hostile display name', () => {
    const evil = { [ANN]: user(ANN, { display_name: '<img src=x onerror=alert(1)>"&' }) };
    const html = renderMarkdown(`<@${ANN}>`, { users: evil, meId: ANN });
    expect(html).toBe(`<p>${span(ANN, '&lt;img src=x onerror=alert(1)&gt;&quot;&amp;', true)}</p>\n`);
    expect(tags(html)).toEqual(new Set(['p', 'span']));
    expect(plainText(`<@${ANN}>`, evil)).toBe('@<img src=x onerror=alert(1)>"&');
  });

  it('keeps tokens in code, escaped, as they are; a backslash keeps one as text too', () => {
    expect(renderMarkdown(`\`<@${ANN}>\``, { users })).toBe(`<p><code>&lt;@${ANN}&gt;</code></p>\n`);
    expect(renderMarkdown(`\`\`\`\n<@${ANN}> <@room>\n\`\`\``, { users })).toBe(`<pre><code>&lt;@${ANN}&gt; &lt;@room&gt;\n</code></pre>\n`);
    expect(renderMarkdown(`\\<@${ANN}>`, { users })).toBe(`<p>&lt;@${ANN}&gt;</p>\n`);
    expect(plainText(`\`<@${ANN}>\``, users)).toBe(`<@${ANN}>`);
  });

  it('shows <@room> as @room, and what only looks like a token as text', () => {
    expect(renderMarkdown('<@room> lunch', { users })).toBe('<p><span class="mention mention-all">@room</span> lunch</p>\n');
    expect(plainText('<@room> lunch', users)).toBe('@room lunch');
    expect(renderMarkdown('<@ann> <@123> <@Room>', { users })).toBe('<p>&lt;@ann&gt; &lt;@123&gt; &lt;@Room&gt;</p>\n');
  });

  it('shows someone not known yet as @…, and their name once known', () => {
    const other = '0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4aff';
    expect(renderMarkdown(`<@${other}>`, { users })).toBe(`<p>${span(other, '…')}</p>\n`);
    expect(plainText(`<@${other}> hi`)).toBe('@… hi');
    const known = { ...users, [other]: user(other, { display_name: 'Olga' }) };
    expect(renderMarkdown(`<@${other}>`, { users: known })).toBe(`<p>${span(other, 'Olga')}</p>\n`);
  });
});
