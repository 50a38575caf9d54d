/**
 * Just enough Markdown for the docs (README excerpts, doc comments, the hand-written pages):
 * headings, paragraphs, `-`/`*`/`1.` lists, fenced and indented code, tables, inline code, bold,
 * italics and links. Code blocks get a small TypeScript/JSON/shell highlighter.
 */

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Inline Markdown: `code`, **bold**, *italic*, [text](url). */
export function inline(text: string, link?: (name: string) => string | null): string {
  // Links first, so that a link's text may hold code spans.
  const linkRe = /\[([^\]]+)\]\(([^)\s]+)\)/g;
  if (linkRe.test(text)) {
    linkRe.lastIndex = 0;
    let out = '';
    let last = 0;
    for (let m = linkRe.exec(text); m; m = linkRe.exec(text)) {
      out += inline(text.slice(last, m.index), link);
      out += `<a href="${escapeHtml(m[2]!)}">${inline(m[1]!)}</a>`;
      last = m.index + m[0].length;
    }
    return out + inline(text.slice(last), link);
  }
  const out: string[] = [];
  const parts = text.split(/(`+[^`]*?`+)/g);
  for (const part of parts) {
    if (/^`+[^`]*`+$/.test(part) && part.length >= 2) {
      const code = part.replace(/^`+/, '').replace(/`+$/, '');
      const target = link ? link(code.replace(/\(.*$/, '').replace(/^new\s+/, '')) : null;
      out.push(target ? `<a href="${escapeHtml(target)}"><code>${escapeHtml(code)}</code></a>` : `<code>${escapeHtml(code)}</code>`);
      continue;
    }
    let s = escapeHtml(part);
    s = s.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
    s = s.replace(/(^|[\s(])\*([^*\s][^*]*?)\*(?=[\s).,;:!?]|$)/g, '$1<em>$2</em>');
    out.push(s);
  }
  return out.join('');
}

const TS_KEYWORDS = new Set(
  'import export from const let var function return async await new class extends implements interface type if else for of in while do break continue throw try catch finally true false null undefined void typeof as readonly static public private protected default this super'.split(' '),
);

/** Syntax colouring for TypeScript/JavaScript, JSON and shell snippets. */
export function highlight(code: string, lang = 'ts'): string {
  if (lang === 'sh' || lang === 'bash' || lang === 'shell') {
    return code
      .split('\n')
      .map((line) => {
        const hash = line.search(/(^|\s)#/);
        if (hash < 0) return escapeHtml(line);
        return `${escapeHtml(line.slice(0, hash))}<span class="tok-c">${escapeHtml(line.slice(hash))}</span>`;
      })
      .join('\n');
  }
  const re = /(\/\/[^\n]*|\/\*[\s\S]*?\*\/)|('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`)|(\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b)|([A-Za-z_$][\w$]*)/g;
  let out = '';
  let last = 0;
  for (let m = re.exec(code); m; m = re.exec(code)) {
    out += escapeHtml(code.slice(last, m.index));
    last = m.index + m[0].length;
    const t = escapeHtml(m[0]);
    if (m[1]) out += `<span class="tok-c">${t}</span>`;
    else if (m[2]) out += `<span class="tok-s">${t}</span>`;
    else if (m[3]) out += `<span class="tok-n">${t}</span>`;
    else if (lang !== 'json' && TS_KEYWORDS.has(m[0])) out += `<span class="tok-k">${t}</span>`;
    else if (lang !== 'json' && /^[A-Z]/.test(m[0])) out += `<span class="tok-t">${t}</span>`;
    else out += t;
  }
  return out + escapeHtml(code.slice(last));
}

export function codeBlock(code: string, lang = 'ts'): string {
  return `<pre class="code lang-${escapeHtml(lang)}"><code>${highlight(code.replace(/\s+$/, ''), lang)}</code></pre>`;
}

/** Block Markdown to HTML. `link` turns `Name` in backticks into a link when it knows the name. */
export function markdown(src: string, opts: { link?: (name: string) => string | null; headingOffset?: number } = {}): string {
  const lines = src.replace(/\r\n/g, '\n').split('\n');
  const html: string[] = [];
  const off = opts.headingOffset ?? 0;
  let i = 0;
  const isBlank = (l: string | undefined): boolean => l === undefined || l.trim() === '';
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = /^(\s*)(```+|~~~+)\s*([\w-]*)/.exec(line);
    if (fence) {
      const indent = fence[1]!.length;
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trim().startsWith(fence[2]!)) body.push(lines[i++]!.slice(indent));
      i++;
      html.push(codeBlock(body.join('\n'), fence[3] || 'ts'));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const level = Math.min(6, heading[1]!.length + off);
      const text = heading[2]!;
      const id = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
      html.push(`<h${level} id="${id}">${inline(text, opts.link)}</h${level}>`);
      i++;
      continue;
    }
    if (/^\s*\|.*\|\s*$/.test(line) && /^\s*\|[\s:|-]+\|\s*$/.test(lines[i + 1] ?? '')) {
      const cells = (l: string): string[] => l.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
      const head = cells(line);
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i]!)) rows.push(cells(lines[i++]!));
      html.push(
        `<table><thead><tr>${head.map((h) => `<th>${inline(h, opts.link)}</th>`).join('')}</tr></thead><tbody>${rows
          .map((r) => `<tr>${r.map((c) => `<td>${inline(c, opts.link)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`,
      );
      continue;
    }
    if (/^\s*([-*]|\d+\.)\s+/.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const items: string[] = [];
      while (i < lines.length && !isBlank(lines[i])) {
        const l = lines[i]!;
        if (/^\s*([-*]|\d+\.)\s+/.test(l)) items.push(l.replace(/^\s*([-*]|\d+\.)\s+/, ''));
        else if (items.length) items[items.length - 1] += ` ${l.trim()}`;
        i++;
        // A list may continue after one blank line when the next line is another item.
        if (isBlank(lines[i]) && /^\s*([-*]|\d+\.)\s+/.test(lines[i + 1] ?? '')) i++;
      }
      const tag = ordered ? 'ol' : 'ul';
      html.push(`<${tag}>${items.map((it) => `<li>${inline(it, opts.link)}</li>`).join('')}</${tag}>`);
      continue;
    }
    // Indented block (4+ spaces, or 2+ in doc comments' formula blocks) after a blank line: code.
    if (/^ {2,}\S/.test(line) && (i === 0 || isBlank(lines[i - 1]))) {
      const body: string[] = [];
      while (i < lines.length && (/^ {2,}/.test(lines[i]!) || (isBlank(lines[i]) && /^ {2,}\S/.test(lines[i + 1] ?? '')))) body.push(lines[i++]!);
      const indent = Math.min(...body.filter((b) => b.trim()).map((b) => /^ */.exec(b)![0].length));
      html.push(`<pre class="formula">${escapeHtml(body.map((b) => b.slice(indent)).join('\n'))}</pre>`);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && !isBlank(lines[i]) && !/^(#{1,6}\s|```|~~~)/.test(lines[i]!) && !(para.length && /^\s*([-*]|\d+\.)\s+/.test(lines[i]!))) {
      para.push(lines[i++]!.trim());
    }
    html.push(`<p>${inline(para.join(' '), opts.link)}</p>`);
  }
  return html.join('\n');
}

/** A section of a Markdown file: from the heading named `title` to the next heading of the same or higher level. */
export function markdownSection(src: string, title: string): string {
  const lines = src.split('\n');
  const start = lines.findIndex((l) => /^#{1,6}\s/.test(l) && l.replace(/^#+\s+/, '').trim() === title);
  if (start < 0) throw new Error(`README has no section '${title}'`);
  const level = /^#+/.exec(lines[start]!)![0].length;
  let end = start + 1;
  let inFence = false;
  while (end < lines.length) {
    const l = lines[end]!;
    if (/^```/.test(l)) inFence = !inFence;
    if (!inFence && /^#{1,6}\s/.test(l) && /^#+/.exec(l)![0].length <= level) break;
    end++;
  }
  return lines.slice(start + 1, end).join('\n').trim();
}

/** The first fenced code block of a Markdown text. */
export function firstCodeBlock(src: string): { lang: string; code: string } {
  const m = /```(\w*)\n([\s\S]*?)\n```/.exec(src);
  if (!m) throw new Error('no code block found');
  return { lang: m[1] || 'ts', code: m[2]! };
}
