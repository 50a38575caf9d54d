import { TesseraError } from '@tessera/tensor';

/**
 * Downloads Hugging Face model repositories into the huggingface_hub cache layout
 * (`<cache>/models--org--name/snapshots/<commit>/<file>`, with `refs/<revision>` naming the commit),
 * so a model fetched here is found by Python tools and vice versa. Node only (fs is imported lazily).
 */

const OP = 'fromPretrained';
const DEFAULT_ENDPOINT = 'https://huggingface.co';
const OFFLINE_HINT =
  'on a machine without network access, download the model elsewhere and pass its local folder instead of a repo id (or set HF_ENDPOINT to a reachable mirror)';

export interface DownloadProgress {
  /** The file being downloaded, relative to the snapshot folder. */
  file: string;
  /** Bytes of this file on disk so far (a resumed download starts at the bytes already there). */
  loaded: number;
  /** The file's full size when the server says it; undefined otherwise. */
  total: number | undefined;
  /** True once the file is in place (also reported, once, for files already in the cache). */
  done: boolean;
  /** True when the file was already complete and nothing was downloaded. */
  cached: boolean;
}

export interface DownloadSnapshotOptions {
  /** Branch, tag or commit (default 'main'). */
  revision?: string;
  /** The hub cache folder (default `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`). */
  cacheDir?: string;
  /** The hub's URL (default `$HF_ENDPOINT`, else https://huggingface.co). */
  endpoint?: string;
  /**
   * Which files to fetch: names relative to the repo root, or patterns where `*` matches any run of
   * characters (including '/') and `?` one character, as huggingface_hub's allow_patterns.
   * A plain name the repo does not have is an error. Default: every file.
   */
  files?: readonly string[];
  /** Access token (default `$HF_TOKEN`); needed for private and gated repos. */
  token?: string;
  onProgress?: (progress: DownloadProgress) => void;
  /** Cancels the download (the partial file is kept, so a later call resumes). */
  signal?: AbortSignal;
}

/** The hub cache folder huggingface_hub uses: `$HF_HUB_CACHE`, `$HF_HOME/hub`, `$XDG_CACHE_HOME/huggingface/hub` or `~/.cache/huggingface/hub`. */
export async function defaultHubCache(): Promise<string> {
  const { join } = await import('node:path');
  const { homedir } = await import('node:os');
  const env = process.env;
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, 'hub');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface', 'hub');
}

/** `org/name` → `models--org--name`, the repo's folder in the cache. */
export function repoFolderName(repoId: string): string {
  return `models--${repoId.split('/').join('--')}`;
}

function checkRepoId(repoId: unknown): asserts repoId is string {
  const ok = typeof repoId === 'string' && /^(?:[\w.-]+\/)?[\w.-]+$/.test(repoId) && !repoId.split('/').some((p) => p === '.' || p === '..' || p.includes('--'));
  if (!ok) {
    throw new TesseraError(OP, 'repoId', `must be a Hugging Face repo id such as 'sentence-transformers/all-MiniLM-L6-v2', got ${JSON.stringify(repoId)}; to load a model from disk, pass its folder path`);
  }
}

/** A repo file name that stays inside the snapshot folder (no absolute paths, no '..', no empty segments). */
function isSafeRelative(file: string): boolean {
  if (file === '' || file.startsWith('/') || file.includes('\\') || file.includes('\0')) return false;
  return file.split('/').every((p) => p !== '' && p !== '.' && p !== '..');
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

function describeFailure(err: unknown): string {
  const e = err as Error & { cause?: Error & { code?: string } };
  const cause = e.cause ? `: ${e.cause.code ?? ''}${e.cause.code && e.cause.message ? ' ' : ''}${e.cause.message ?? ''}` : '';
  return `${e.message ?? String(err)}${cause}`;
}

function httpError(url: string, res: Response, what: string): TesseraError {
  const status = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  let advice: string;
  if (res.status === 401 || res.status === 403) {
    advice = `the repo is private or gated, or the token is not allowed to read it: accept its terms on the hub and set HF_TOKEN (or pass token) to an access token that can read it`;
  } else if (res.status === 404) {
    advice = `${what} does not exist: check the repo id, the revision and the file name (private repos also answer 404 without a token: set HF_TOKEN)`;
  } else if (res.status === 429) {
    advice = 'the hub is rate limiting requests: wait and run again, or set HF_TOKEN';
  } else {
    advice = `the hub could not serve ${what}: run again later; ${OFFLINE_HINT}`;
  }
  return new TesseraError(OP, undefined, `GET ${url} failed with ${status}: ${advice}`);
}

async function request(url: string, headers: Record<string, string>, signal: AbortSignal | undefined): Promise<Response> {
  try {
    return await fetch(url, { headers, redirect: 'follow', signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new TesseraError(OP, undefined, `GET ${url} failed (${describeFailure(err)}): the hub cannot be reached; ${OFFLINE_HINT}`);
  }
}

interface RepoInfo {
  sha: string | undefined;
  files: string[];
}

async function repoInfo(endpoint: string, repoId: string, revision: string, headers: Record<string, string>, signal?: AbortSignal): Promise<RepoInfo> {
  const url = `${endpoint}/api/models/${repoId}/revision/${encodeURIComponent(revision)}`;
  const res = await request(url, { ...headers, accept: 'application/json' }, signal);
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw httpError(url, res, `repo '${repoId}' at revision '${revision}'`);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (err) {
    throw new TesseraError(OP, undefined, `GET ${url} answered something that is not JSON (${describeFailure(err)}): is ${endpoint} a Hugging Face hub?`);
  }
  const siblings = (body as { siblings?: unknown } | null)?.siblings;
  if (!Array.isArray(siblings)) {
    throw new TesseraError(OP, undefined, `GET ${url} answered JSON without a "siblings" file list: is ${endpoint} a Hugging Face hub?`);
  }
  const files: string[] = [];
  for (const s of siblings) {
    const name = (s as { rfilename?: unknown } | null)?.rfilename;
    if (typeof name !== 'string' || !isSafeRelative(name)) {
      throw new TesseraError(OP, undefined, `GET ${url} lists a file ${JSON.stringify(name)} that is not a safe relative path; refusing to download it`);
    }
    files.push(name);
  }
  const sha = (body as { sha?: unknown }).sha;
  return { sha: typeof sha === 'string' && /^[0-9a-f]{40}$/.test(sha) ? sha : undefined, files };
}

function selectFiles(all: string[], wanted: readonly string[] | undefined, repoId: string, revision: string): string[] {
  if (wanted === undefined) return all;
  if (!Array.isArray(wanted) || !wanted.every((w) => typeof w === 'string')) {
    throw new TesseraError(OP, 'files', 'must be an array of file names or patterns');
  }
  for (const w of wanted) {
    if (!/[*?]/.test(w) && !all.includes(w)) {
      throw new TesseraError(OP, 'files', `names '${w}', which repo '${repoId}' does not have at revision '${revision}' (it has: ${all.join(', ') || 'no files'})`);
    }
  }
  const patterns = wanted.map(globToRegExp);
  return all.filter((f) => patterns.some((p) => p.test(f)));
}

/** Parses `Content-Range: bytes start-end/total` (total may be '*'). */
function contentRange(res: Response): { start: number; total: number | undefined } | undefined {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
  if (!m) return undefined;
  return { start: Number(m[1]), total: m[2] === '*' ? undefined : Number(m[2]) };
}

function contentLength(res: Response): number | undefined {
  const v = res.headers.get('content-length');
  if (v === null || !/^\d+$/.test(v)) return undefined;
  const encoding = res.headers.get('content-encoding');
  // fetch decodes compressed bodies, whose Content-Length counts the compressed bytes.
  if (encoding && encoding !== 'identity') return undefined;
  return Number(v);
}

/**
 * Downloads one file to `target`: into `target.incomplete` (resuming it with a Range request when it
 * exists), then renamed into place once complete.
 */
async function downloadFile(
  url: string,
  file: string,
  target: string,
  headers: Record<string, string>,
  opts: DownloadSnapshotOptions,
): Promise<void> {
  const fs = await import('node:fs/promises');
  const partial = `${target}.incomplete`;
  const report = (loaded: number, total: number | undefined, done: boolean): void =>
    opts.onProgress?.({ file, loaded, total, done, cached: false });
  for (let attempt = 0; ; attempt++) {
    const have = await fs.stat(partial).then((s) => s.size, () => 0);
    const h: Record<string, string> = { ...headers, 'accept-encoding': 'identity' };
    if (have > 0) h.range = `bytes=${have}-`;
    const res = await request(url, h, opts.signal);
    let start: number;
    let total: number | undefined;
    if (res.status === 206 && have > 0) {
      const range = contentRange(res);
      if (!range || range.start !== have) {
        // Not the continuation asked for: start over.
        await res.body?.cancel().catch(() => undefined);
        await fs.rm(partial, { force: true });
        if (attempt > 0) throw new TesseraError(OP, undefined, `GET ${url} answered a Range request with the wrong range (${res.headers.get('content-range')})`);
        continue;
      }
      start = have;
      const length = contentLength(res);
      total = range.total ?? (length === undefined ? undefined : have + length);
    } else if (res.status === 416 && have > 0) {
      // Nothing left to send: the partial file is already whole if its size is the file's size.
      await res.body?.cancel().catch(() => undefined);
      const size = /^bytes \*\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1];
      if (size !== undefined && Number(size) === have) {
        await fs.rename(partial, target);
        report(have, have, true);
        return;
      }
      await fs.rm(partial, { force: true });
      if (attempt > 0) throw httpError(url, res, `file '${file}'`);
      continue;
    } else if (res.ok) {
      start = 0; // a 200 sends the whole file, even to a Range request
      total = res.status === 200 ? contentLength(res) : undefined;
    } else {
      await res.body?.cancel().catch(() => undefined);
      throw httpError(url, res, `file '${file}'`);
    }

    let loaded = start;
    const fh = await fs.open(partial, start === 0 ? 'w' : 'a');
    try {
      report(loaded, total, false);
      if (res.body) {
        const reader = res.body.getReader();
        for (;;) {
          let chunk: Awaited<ReturnType<typeof reader.read>>;
          try {
            chunk = await reader.read();
          } catch (err) {
            if (opts.signal?.aborted) throw err;
            throw new TesseraError(OP, undefined, `GET ${url} broke off after ${loaded}${total === undefined ? '' : ` of ${total}`} bytes (${describeFailure(err)}); the partial download is kept: run again to resume it`);
          }
          if (chunk.done) break;
          // Each chunk is on disk before the next is read, so the partial file is always a prefix of the file.
          await fh.write(chunk.value);
          loaded += chunk.value.length;
          report(loaded, total, false);
        }
      }
    } finally {
      await fh.close();
    }
    if (total !== undefined && loaded !== total) {
      throw new TesseraError(OP, undefined, `GET ${url} ended after ${loaded} of ${total} bytes; the partial download is kept: run again to resume it`);
    }
    await fs.rename(partial, target);
    report(loaded, loaded, true);
    return;
  }
}

/**
 * Downloads a Hugging Face model repo (or the `files` of it) into the local hub cache and returns the
 * snapshot folder. Files already in the snapshot are not downloaded again; an interrupted download
 * resumes where it stopped (`<file>.incomplete` plus a Range request); a file appears under its name
 * only once complete. Errors are TesseraErrors (op 'fromPretrained') naming the URL and what to do.
 */
export async function downloadSnapshot(repoId: string, opts: DownloadSnapshotOptions = {}): Promise<string> {
  checkRepoId(repoId);
  const revision = opts.revision ?? 'main';
  if (typeof revision !== 'string' || revision === '' || revision.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw new TesseraError(OP, 'revision', `must be a branch, tag or commit name, got ${JSON.stringify(revision)}`);
  }
  const endpoint = (opts.endpoint ?? process.env.HF_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/.test(endpoint)) {
    throw new TesseraError(OP, 'endpoint', `must be an http(s) URL such as ${DEFAULT_ENDPOINT}, got ${JSON.stringify(endpoint)}`);
  }
  const token = opts.token ?? process.env.HF_TOKEN ?? process.env.HUGGING_FACE_HUB_TOKEN;
  const headers: Record<string, string> = { 'user-agent': 'tessera/0.1 (@tessera/nn)' };
  if (token) headers.authorization = `Bearer ${token}`;

  const fs = await import('node:fs/promises');
  const { join, dirname } = await import('node:path');
  const cache = opts.cacheDir ?? (await defaultHubCache());
  const repoDir = join(cache, repoFolderName(repoId));

  const info = await repoInfo(endpoint, repoId, revision, headers, opts.signal);
  const files = selectFiles(info.files, opts.files, repoId, revision);
  // Like huggingface_hub: the snapshot is named by commit and refs/<revision> records which commit the
  // revision named; without a commit hash from the hub, the revision's name stands in.
  const snapshotName = info.sha ?? revision.split('/').join('--');
  const snapshot = join(repoDir, 'snapshots', snapshotName);
  try {
    await fs.mkdir(snapshot, { recursive: true });
    if (info.sha && info.sha !== revision) {
      const ref = join(repoDir, 'refs', ...revision.split('/'));
      await fs.mkdir(dirname(ref), { recursive: true });
      await fs.writeFile(ref, info.sha);
    }
  } catch (err) {
    throw new TesseraError(OP, 'cacheDir', `cannot write the cache folder ${repoDir} (${describeFailure(err)}): pass cacheDir or set HF_HOME to a writable folder`);
  }

  const resolveRevision = encodeURIComponent(info.sha ?? revision);
  for (const file of files) {
    const target = join(snapshot, ...file.split('/'));
    const existing = await fs.stat(target).then((s) => (s.isFile() ? s.size : undefined), () => undefined);
    if (existing !== undefined) {
      opts.onProgress?.({ file, loaded: existing, total: existing, done: true, cached: true });
      continue;
    }
    await fs.mkdir(dirname(target), { recursive: true });
    const url = `${endpoint}/${repoId}/resolve/${resolveRevision}/${file.split('/').map(encodeURIComponent).join('/')}`;
    await downloadFile(url, file, target, headers, opts);
  }
  return snapshot;
}
