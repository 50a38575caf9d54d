/**
 * A small API extractor for the docs: reads the declaration files that `tsc` writes to
 * `packages/<name>/dist` (TypeDoc needs the TypeScript 5/6 compiler API, which TypeScript 7's native
 * compiler does not ship), follows the re-exports from `dist/index.d.ts`, and returns every public
 * declaration with its signature, its doc comment and (for classes and interfaces) its members.
 *
 * It understands what `tsc` emits: `export declare function|const|class|abstract class|enum`,
 * `export interface`, `export type`, `export { a, b as c } from './x.js'`, `export * from`,
 * local declarations re-exported by `export { x }`, and `declare module '…' { interface … }`
 * augmentations (autograd adds `backward()` to Tensor that way).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export type EntryKind = 'class' | 'interface' | 'function' | 'type' | 'const' | 'enum';

export interface Member {
  name: string;
  kind: 'constructor' | 'method' | 'property' | 'accessor' | 'index' | 'call';
  /** Declaration text as in the .d.ts (one line per overload). */
  signature: string;
  doc: string;
  isStatic: boolean;
  isProtected: boolean;
  /** Set on members added by another package through module augmentation. */
  addedBy?: string;
}

export interface ApiEntry {
  /** The exported name. */
  name: string;
  kind: EntryKind;
  /** Declaration text; functions with overloads have one per line. Class/interface bodies are not included. */
  signature: string;
  doc: string;
  members: Member[];
  /** The declaration file, relative to the package root (e.g. `dist/ops/reduce.d.ts`). */
  file: string;
  typeOnly: boolean;
}

export interface PackageApi {
  /** e.g. `@tessera/tensor`. */
  name: string;
  /** The folder name under packages/ (e.g. `tensor`). */
  dir: string;
  entries: ApiEntry[];
}

interface Statement {
  text: string;
  doc: string;
}

/** Splits declaration text into statements (or members), each with the doc comment right before it. */
export function splitStatements(src: string, inBody = false): Statement[] {
  const out: Statement[] = [];
  let i = 0;
  let start = -1;
  let depth = 0;
  let pendingDoc = '';
  let doc = '';
  const n = src.length;
  const push = (end: number): void => {
    const text = src.slice(start, end).trim();
    if (text) out.push({ text, doc });
    start = -1;
    doc = '';
  };
  while (i < n) {
    const c = src[i]!;
    // Comments.
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      if (start < 0 && src[i + 2] === '*' && src[i + 3] !== '/') pendingDoc = src.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      if (start < 0) pendingDoc = '';
      i = end < 0 ? n : end + 1;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (start < 0) {
      start = i;
      doc = pendingDoc;
      pendingDoc = '';
    }
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(src, i);
      continue;
    }
    if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === '}' || c === ')' || c === ']') {
      depth--;
      if (depth === 0 && c === '}' && !inBody) {
        const head = src.slice(start, i);
        if (/^(export\s+)?(declare\s+)?(abstract\s+)?(class|interface|enum|namespace|module|global)\b/.test(head) || /^declare\s+(module|global)\b/.test(head)) {
          push(i + 1);
          i++;
          continue;
        }
      }
    } else if (c === ';' && depth === 0) {
      push(i + 1);
      i++;
      continue;
    }
    i++;
  }
  if (start >= 0) push(n);
  return out;
}

function skipString(src: string, i: number): number {
  const q = src[i]!;
  let j = i + 1;
  while (j < src.length) {
    const c = src[j]!;
    if (c === '\\') {
      j += 2;
      continue;
    }
    if (q === '`' && c === '$' && src[j + 1] === '{') {
      // Template literal type: skip the ${ … } part with its own nesting.
      let d = 1;
      j += 2;
      while (j < src.length && d > 0) {
        if (src[j] === '{') d++;
        else if (src[j] === '}') d--;
        else if (src[j] === '"' || src[j] === "'" || src[j] === '`') {
          j = skipString(src, j);
          continue;
        }
        j++;
      }
      continue;
    }
    if (c === q) return j + 1;
    j++;
  }
  return j;
}

/** The text of a JSDoc comment without the comment markers. */
export function cleanDoc(raw: string): string {
  if (!raw) return '';
  const body = raw.replace(/^\/\*\*/, '').replace(/\*\/$/, '');
  if (!body.includes('\n')) return body.trim();
  const lines = body.split('\n').map((l) => l.replace(/^\s*\* ?/, '').replace(/\s+$/, ''));
  while (lines.length && !lines[0]!.trim()) lines.shift();
  while (lines.length && !lines[lines.length - 1]!.trim()) lines.pop();
  return lines.join('\n');
}

/** The body of a `{ … }` block in a statement: the text between the first depth-0 `{` and its `}`. */
function blockBody(text: string): { head: string; body: string } | null {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(text, i) - 1;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
      continue;
    }
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === '{') {
      if (depth === 0 && open < 0) open = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0 && open >= 0) return { head: text.slice(0, open).trim(), body: text.slice(open + 1, i) };
    }
  }
  return null;
}

const MODIFIERS = /^(?:(?:public|private|protected|static|readonly|abstract|override|declare|accessor)\s+)*/;

function parseMember(st: Statement): Member | null {
  const text = st.text.replace(/;$/, '').trim();
  const mods = MODIFIERS.exec(text)![0];
  if (/\bprivate\b/.test(mods) || text.startsWith('#')) return null;
  let rest = text.slice(mods.length);
  const isStatic = /\bstatic\b/.test(mods);
  const isProtected = /\bprotected\b/.test(mods);
  let kind: Member['kind'] = 'property';
  const accessor = /^(get|set)\s+(?=[\w$[])/.exec(rest);
  if (accessor) {
    kind = 'accessor';
    rest = rest.slice(accessor[0].length);
  }
  let name: string;
  if (rest.startsWith('constructor')) {
    name = 'constructor';
    kind = 'constructor';
  } else if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    name = rest.slice(0, close + 1);
    kind = /^\[\w+\s*:/.test(rest) ? 'index' : kind;
  } else if (rest.startsWith('(') || rest.startsWith('<')) {
    name = '(call)';
    kind = 'call';
  } else {
    name = /^[\w$]+/.exec(rest)?.[0] ?? rest.slice(0, 20);
    const after = rest.slice(name.length).replace(/^\?/, '').trimStart();
    if (kind !== 'accessor' && (after.startsWith('(') || after.startsWith('<'))) kind = 'method';
  }
  return { name, kind, signature: text.replace(/\s*\n\s*/g, ' ').replace(/\s+/g, ' '), doc: cleanDoc(st.doc), isStatic, isProtected };
}

/** Joins repeated members (overloads, get/set pairs) into one member with one signature line each. */
function mergeMembers(members: Member[]): Member[] {
  const out: Member[] = [];
  const byKey = new Map<string, Member>();
  for (const m of members) {
    const key = `${m.isStatic ? 'static ' : ''}${m.name}`;
    const prev = byKey.get(key);
    if (prev && m.kind !== 'index') {
      prev.signature += `\n${m.signature}`;
      if (!prev.doc) prev.doc = m.doc;
      if (prev.kind === 'property' && m.kind !== 'property') prev.kind = m.kind;
      continue;
    }
    byKey.set(key, m);
    out.push(m);
  }
  return out;
}

function members(body: string): Member[] {
  return mergeMembers(splitStatements(body, true).map(parseMember).filter((m): m is Member => m !== null));
}

interface Decl {
  kind: EntryKind;
  name: string;
  signature: string;
  doc: string;
  members: Member[];
}

interface ParsedFile {
  decls: Map<string, Decl>;
  /** exported name -> local name (declarations in this file exported directly or by `export { a as b }`). */
  localExports: Map<string, { local: string; typeOnly: boolean }>;
  /** exported name -> re-export from another file. */
  reExports: Map<string, { file: string; name: string; typeOnly: boolean }>;
  /** `export * from` targets. */
  starExports: string[];
  /** `declare module 'x' { interface Y { … } }` augmentations. */
  augmentations: { module: string; target: string; members: Member[] }[];
}

const DECL = /^(export\s+)?(declare\s+)?(abstract\s+)?(class|interface|function|const|let|var|type|enum)\s+([\w$]+)/;

function normalizeSignature(text: string): string {
  return text.replace(/;$/, '').trim();
}

function parseFile(file: string): ParsedFile {
  const src = readFileSync(file, 'utf8');
  const pf: ParsedFile = { decls: new Map(), localExports: new Map(), reExports: new Map(), starExports: [], augmentations: [] };
  const dir = dirname(file);
  const target = (spec: string): string => resolve(dir, spec.replace(/\.js$/, '.d.ts'));
  for (const st of splitStatements(src)) {
    const t = st.text;
    if (/^import\b/.test(t)) continue;
    let m = /^export\s+\*\s+from\s+['"]([^'"]+)['"]/.exec(t);
    if (m) {
      pf.starExports.push(target(m[1]!));
      continue;
    }
    m = /^export\s+(type\s+)?\{([^}]*)\}\s*(?:from\s+['"]([^'"]+)['"])?/.exec(t);
    if (m) {
      const typeOnly = Boolean(m[1]);
      for (const part of m[2]!.split(',').map((s) => s.trim()).filter(Boolean)) {
        const pm = /^(type\s+)?([\w$]+)(?:\s+as\s+([\w$]+))?$/.exec(part);
        if (!pm) continue;
        const local = pm[2]!;
        const exported = pm[3] ?? local;
        const isType = typeOnly || Boolean(pm[1]);
        if (m[3]) pf.reExports.set(exported, { file: target(m[3]), name: local, typeOnly: isType });
        else pf.localExports.set(exported, { local, typeOnly: isType });
      }
      continue;
    }
    m = /^declare\s+module\s+['"]([^'"]+)['"]\s*/.exec(t);
    if (m) {
      const block = blockBody(t);
      if (block) {
        for (const inner of splitStatements(block.body)) {
          const im = /^(?:export\s+)?interface\s+([\w$]+)/.exec(inner.text);
          const ib = blockBody(inner.text);
          if (im && ib) pf.augmentations.push({ module: m[1]!, target: im[1]!, members: members(ib.body) });
        }
      }
      continue;
    }
    m = DECL.exec(t);
    if (!m) continue;
    const exported = Boolean(m[1]);
    const rawKind = m[4]!;
    const name = m[5]!;
    const kind: EntryKind = rawKind === 'let' || rawKind === 'var' ? 'const' : (rawKind as EntryKind);
    let signature = normalizeSignature(t);
    let mem: Member[] = [];
    if (kind === 'class' || kind === 'interface' || kind === 'enum') {
      const block = blockBody(t);
      if (block) {
        signature = block.head;
        mem = kind === 'enum' ? [] : members(block.body);
        if (kind === 'enum') signature = `${block.head} { ${block.body.trim().replace(/\s*\n\s*/g, ' ')} }`;
      }
    }
    const doc = cleanDoc(st.doc);
    const prev = pf.decls.get(name);
    if (prev && prev.kind === kind && kind === 'function') {
      prev.signature += `\n${signature}`;
      if (!prev.doc) prev.doc = doc;
    } else if (prev && kind === 'interface' && prev.kind === 'interface') {
      prev.members.push(...mem);
    } else if (!prev || prev.kind !== 'class') {
      pf.decls.set(name, { kind, name, signature, doc, members: mem });
    }
    if (exported) pf.localExports.set(name, { local: name, typeOnly: kind === 'interface' || kind === 'type' });
  }
  return pf;
}

/** Reads one package's public API from `<pkgDir>/dist/index.d.ts`. */
export function readPackageApi(pkgDir: string): PackageApi & { augmentations: ParsedFile['augmentations'] } {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { name: string; types?: string };
  const entry = join(pkgDir, pkg.types ?? 'dist/index.d.ts');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build the packages first (pnpm build)`);
  const cache = new Map<string, ParsedFile>();
  const parsed = (file: string): ParsedFile => {
    let pf = cache.get(file);
    if (!pf) {
      pf = existsSync(file) ? parseFile(file) : { decls: new Map(), localExports: new Map(), reExports: new Map(), starExports: [], augmentations: [] };
      cache.set(file, pf);
    }
    return pf;
  };
  /** exported name -> where its declaration is. */
  const exportsOf = (file: string, seen = new Set<string>()): Map<string, { file: string; local: string; typeOnly: boolean }> => {
    const out = new Map<string, { file: string; local: string; typeOnly: boolean }>();
    if (seen.has(file)) return out;
    seen.add(file);
    const pf = parsed(file);
    for (const star of pf.starExports) for (const [k, v] of exportsOf(star, seen)) if (!out.has(k)) out.set(k, v);
    for (const [k, v] of pf.localExports) out.set(k, { file, local: v.local, typeOnly: v.typeOnly });
    for (const [k, v] of pf.reExports) {
      const inner = exportsOf(v.file, new Set()).get(v.name);
      out.set(k, inner ? { ...inner, typeOnly: inner.typeOnly || v.typeOnly } : { file: v.file, local: v.name, typeOnly: v.typeOnly });
    }
    return out;
  };
  const entries: ApiEntry[] = [];
  for (const [name, where] of exportsOf(entry)) {
    const decl = parsed(where.file).decls.get(where.local);
    if (!decl) continue;
    entries.push({
      name,
      kind: decl.kind,
      signature: decl.signature,
      doc: decl.doc,
      members: decl.members,
      file: relative(pkgDir, where.file),
      typeOnly: where.typeOnly && (decl.kind === 'interface' || decl.kind === 'type'),
    });
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const augmentations = [...cache.values()].flatMap((pf) => pf.augmentations);
  return { name: pkg.name, dir: pkgDir.split(/[\\/]/).pop()!, entries, augmentations };
}

/** Reads every package and applies module augmentations (members added to another package's interface/class). */
export function readApis(packageDirs: readonly string[]): PackageApi[] {
  const apis = packageDirs.map(readPackageApi);
  for (const api of apis) {
    for (const aug of api.augmentations) {
      const target = apis.find((a) => a.name === aug.module)?.entries.find((e) => e.name === aug.target);
      if (!target) continue;
      for (const m of aug.members) target.members.push({ ...m, addedBy: api.name });
    }
  }
  return apis.map(({ name, dir, entries }) => ({ name, dir, entries }));
}

/** The first sentence of a doc comment (for summaries). */
export function firstSentence(doc: string): string {
  const para = doc.split(/\n\s*\n/)[0]!.replace(/\s*\n\s*/g, ' ').trim();
  // A period followed by a space and not inside backticks ends the sentence.
  let inCode = false;
  for (let i = 0; i < para.length; i++) {
    const c = para[i];
    if (c === '`') inCode = !inCode;
    else if (!inCode && c === '.' && (i === para.length - 1 || para[i + 1] === ' ')) {
      if (/\b(e\.g|i\.e|vs|etc)$/.test(para.slice(Math.max(0, i - 4), i))) continue;
      return para.slice(0, i + 1);
    }
  }
  return para;
}
