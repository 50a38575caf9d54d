import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TesseraError } from '@tessera/tensor';
import type { DownloadProgress } from '../../src/io/hub.js';
import { defaultHubCache, downloadSnapshot, repoFolderName } from '../../src/io/hub.js';

// A loopback stand-in for the hub: GET /api/models/<repo>/revision/<rev> lists the files, and
// GET /<repo>/resolve/<rev>/<file> serves them with Range support. No real network is used.

const SHA = '0123456789abcdef0123456789abcdef01234567';
const REPO = 'org/tiny';

interface Seen {
  url: string;
  range: string | undefined;
  authorization: string | undefined;
}

interface Hub {
  url: string;
  seen: Seen[];
  files: Map<string, Uint8Array>;
  /** Files whose next full (non-Range) GET sends half the bytes, then drops the connection. */
  interruptNext: Set<string>;
  /** Answer Range requests with the whole file (200), as servers without range support do. */
  ignoreRange: boolean;
  /** Claims a file this many bytes longer in Content-Range than it is (an inconsistent server). */
  rangeTotalExtra: number;
  /** Status to answer every request with instead (401, 500, ...). */
  failWith: number | undefined;
  /** Extra names the file list claims (e.g. a file the server then 404s, or an unsafe path). */
  extraListed: string[];
  close(): Promise<void>;
}

function bytesOf(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function startHub(): Promise<Hub> {
  const files = new Map<string, Uint8Array>([
    ['config.json', new TextEncoder().encode('{"hidden_size": 8}\n')],
    ['model.safetensors', bytesOf(300_000, 1)],
    ['1_Pooling/config.json', new TextEncoder().encode('{"pooling_mode_mean_tokens": true}\n')],
    ['tokenizer.json', bytesOf(5000, 2)],
  ]);
  const hub = {
    seen: [] as Seen[],
    files,
    interruptNext: new Set<string>(),
    ignoreRange: false,
    rangeTotalExtra: 0,
    failWith: undefined as number | undefined,
    extraListed: [] as string[],
  };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '';
    hub.seen.push({ url, range: req.headers.range, authorization: req.headers.authorization });
    if (hub.failWith !== undefined) {
      res.writeHead(hub.failWith, { 'content-type': 'text/plain' }).end('nope');
      return;
    }
    if (url === `/api/models/${REPO}/revision/main` || url === `/api/models/${REPO}/revision/${SHA}`) {
      const siblings = [...files.keys(), ...hub.extraListed].map((rfilename) => ({ rfilename }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: REPO, sha: SHA, siblings }));
      return;
    }
    const prefix = `/${REPO}/resolve/${SHA}/`;
    const file = url.startsWith(prefix) ? decodeURIComponent(url.slice(prefix.length)) : undefined;
    const body = file === undefined ? undefined : files.get(file);
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && !hub.ignoreRange) {
      const start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length + hub.rangeTotalExtra}` });
      res.end(body.subarray(start));
      return;
    }
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
    if (hub.interruptNext.delete(file!)) {
      // Half the file, then the connection drops (as a network failure mid-transfer would).
      res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(body);
  };
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(hub, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

async function rejection(p: Promise<unknown>): Promise<TesseraError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(TesseraError);
  expect((e as TesseraError).op).toBe('fromPretrained');
  return e as TesseraError;
}

const ENV_KEYS = ['HF_ENDPOINT', 'HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_HOME', 'HF_HUB_CACHE', 'XDG_CACHE_HOME'] as const;

describe('downloadSnapshot', () => {
  let hub: Hub;
  let cacheDir: string;
  const savedEnv: Partial<Record<string, string>> = {};

  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(async () => {
    await hub.close();
  });
  beforeEach(async () => {
    for (const k of ENV_KEYS) {
      savedEnv[k] = process.env[k];
      delete process.env[k];
    }
    cacheDir = await mkdtemp(join(tmpdir(), 'tessera-hub-'));
    hub.seen.length = 0;
    hub.interruptNext.clear();
    hub.ignoreRange = false;
    hub.rangeTotalExtra = 0;
    hub.failWith = undefined;
    hub.extraListed = [];
  });
  afterEach(async () => {
    for (const k of ENV_KEYS) {
      if (savedEnv[k] === undefined) delete process.env[k];
      else process.env[k] = savedEnv[k];
    }
    await rm(cacheDir, { recursive: true, force: true });
  });

  const snapshotOf = (cache: string): string => join(cache, 'models--org--tiny', 'snapshots', SHA);

  async function expectSnapshotComplete(folder: string): Promise<void> {
    for (const [name, body] of hub.files) {
      const got = new Uint8Array(await readFile(join(folder, name)));
      expect(Buffer.from(got).equals(Buffer.from(body)), `${name} differs`).toBe(true);
    }
    const leftovers = (await readdir(folder, { recursive: true })).filter((f) => String(f).endsWith('.incomplete'));
    expect(leftovers).toEqual([]);
  }

  it('downloads every file into the huggingface_hub layout and records the revision', async () => {
    const progress: DownloadProgress[] = [];
    const folder = await downloadSnapshot(REPO, { endpoint: hub.url, cacheDir, onProgress: (p) => progress.push(p) });
    expect(folder).toBe(snapshotOf(cacheDir));
    await expectSnapshotComplete(folder);
    expect(await readFile(join(cacheDir, 'models--org--tiny', 'refs', 'main'), 'utf8')).toBe(SHA);
    expect(hub.seen.map((s) => s.url)).toEqual([
      `/api/models/${REPO}/revision/main`,
      `/${REPO}/resolve/${SHA}/config.json`,
      `/${REPO}/resolve/${SHA}/model.safetensors`,
      `/${REPO}/resolve/${SHA}/1_Pooling/config.json`,
      `/${REPO}/resolve/${SHA}/tokenizer.json`,
    ]);
    expect(hub.seen.every((s) => s.range === undefined && s.authorization === undefined)).toBe(true);
    const done = progress.filter((p) => p.done);
    expect(done.map((p) => [p.file, p.loaded, p.total, p.cached])).toEqual(
      [...hub.files].map(([name, body]) => [name, body.length, body.length, false]),
    );
    const model = progress.filter((p) => p.file === 'model.safetensors').map((p) => p.loaded);
    expect(model).toEqual([...model].sort((a, b) => a - b));
  });

  it('skips files already complete (no second GET) and reports them as cached', async () => {
    await downloadSnapshot(REPO, { endpoint: hub.url, cacheDir });
    hub.seen.length = 0;
    const progress: DownloadProgress[] = [];
    const folder = await downloadSnapshot(REPO, { endpoint: hub.url, cacheDir, onProgress: (p) => progress.push(p) });
    expect(hub.seen.map((s) => s.url)).toEqual([`/api/models/${REPO}/revision/main`]);
    expect(progress.every((p) => p.cached && p.done)).toBe(true);
    await expectSnapshotComplete(folder);
    // A deleted file is fetched again, alone.
    await rm(join(folder, 'tokenizer.json'));
    hub.seen.length = 0;
    await downloadSnapshot(REPO, { endpoint: hub.url, cacheDir });
    expect(hub.seen.map((s) => s.url)).toEqual([`/api/models/${REPO}/revision/main`, `/${REPO}/resolve/${SHA}/tokenizer.json`]);
  });

  it('resumes an interrupted transfer with a Range request and ends byte-identical', async () => {
    hub.interruptNext.add('model.safetensors');
    const first = await rejection(downloadSnapshot(REPO, { endpoint: hub.url, cacheDir }));
    const url = `${hub.url}/${REPO}/resolve/${SHA}/model.safetensors`;
    expect(first.message).toContain(url);
    expect(first.message).toMatch(/run again to resume/);
    const folder = snapshotOf(cacheDir);
    const partial = (await stat(join(folder, 'model.safetensors.incomplete'))).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThanOrEqual(150_000);
    await expect(stat(join(folder, 'model.safetensors'))).rejects.toThrow(); // never in place while incomplete
    hub.seen.length = 0;
    await downloadSnapshot(REPO, { endpoint: hub.url, cacheDir });
    const modelRequests = hub.seen.filter((s) => s.url.endsWith('/model.safetensors'));
    expect(modelRequests).toEqual([{ url: `/${REPO}/resolve/${SHA}/model.safetensors`, range: `bytes=${partial}-`, authorization: undefined }]);
    // config.json was complete before the failure, so only the rest were fetched.
    expect(hub.seen.some((s) => s.url.endsWith('/config.json') && !s.url.includes('1_Pooling'))).toBe(false);
    await expectSnapshotComplete(folder);
  });

  it('starts over when the server ignores the Range request (200), and finishes a whole partial on 416', async () => {
    const folder = snapshotOf(cacheDir);
    hub.interruptNext.add('model.safetensors');
    await rejection(downloadSnapshot(REPO, { endpoint: hub.url, cacheDir, files: ['model.safetensors'] }));
    hub.ignoreRange = true;
    await downloadSnapshot(REPO, { endpoint: hub.url, cacheDir, files: ['model.safetensors'] });
    expect(hub.seen.filter((s) => s.url.endsWith('/model.safetensors')).map((s) => s.range !== undefined)).toEqual([false, true]);
    expect(Buffer.from(await readFile(join(folder, 'model.safetensors'))).equals(Buffer.from(hub.files.get('model.safetensors')!))).toBe(true);

    // A partial that already holds the whole file: the server answers 416 and the file is put in place.
    hub.ignoreRange = false;
    await writeFile(join(folder, 'tokenizer.json.incomplete'), hub.files.get('tokenizer.json')!);
    await downloadSnapshot(REPO, { endpoint: hub.url, cacheDir, files: ['tokenizer.json'] });
    expect(hub.seen.at(-1)).toMatchObject({ range: 'bytes=5000-' });
    expect(Buffer.from(await readFile(join(folder, 'tokenizer.json'))).equals(Buffer.from(hub.files.get('tokenizer.json')!))).toBe(true);
  });

  it('a transfer shorter than the size the server announced stays incomplete', async () => {
    hub.interruptNext.add('model.safetensors');
    await rejection(downloadSnapshot(REPO, { endpoint: hub.url, cacheDir, files: ['model.safetensors'] }));
    hub.rangeTotalExtra = 10;
    const e = await rejection(downloadSnapshot(REPO, { endpoint: hub.url, cacheDir, files: ['model.safetensors'] }));
    expect(e.message).toMatch(/ended after 300000 of 300010 bytes; the partial download is kept: run again to resume it/);
    const folder = snapshotOf(cacheDir);
    await expect(stat(join(folder, 'model.safetensors'))).rejects.toThrow();
    expect((await stat(join(folder, 'model.safetensors.incomplete'))).size).toBe(300_000);
  });

  it('downloads only the requested files (names and * patterns)', async () => {
    const folder = await downloadSnapshot(REPO, { endpoint: hub.url, cacheDir, files: ['*.json', 'model.safetensors'] });
    expect((await readdir(folder, { recursive: true })).map(String).sort()).toEqual(['1_Pooling', '1_Pooling/config.json', 'config.json', 'model.safetensors', 'tokenizer.json']);
    const none = await downloadSnapshot(REPO, { endpoint: hub.url, cacheDir: join(cacheDir, 'b'), files: ['config.json'] });
    expect(await readdir(none)).toEqual(['config.json']);
    const e = await rejection(downloadSnapshot(REPO, { endpoint: hub.url, cacheDir, files: ['pytorch_model.bin'] }));
    expect(e.message).toMatch(/'pytorch_model\.bin', which repo 'org\/tiny' does not have at revision 'main'/);
  });

  it('a missing repo is a 404 error naming the URL and what to check', async () => {
    const e = await rejection(downloadSnapshot('org/missing', { endpoint: hub.url, cacheDir }));
    expect(e.message).toContain(`GET ${hub.url}/api/models/org/missing/revision/main failed with HTTP 404`);
    expect(e.message).toMatch(/repo 'org\/missing' at revision 'main' does not exist: check the repo id/);
    const rev = await rejection(downloadSnapshot(REPO, { endpoint: hub.url, cacheDir, revision: 'v9' }));
    expect(rev.message).toMatch(/revision\/v9 failed with HTTP 404/);
  });

  it('a listed file the server does not have is a 404 naming the file URL', async () => {
    hub.extraListed = ['gone.bin'];
    const e = await rejection(downloadSnapshot(REPO, { endpoint: hub.url, cacheDir }));
    expect(e.message).toContain(`GET ${hub.url}/${REPO}/resolve/${SHA}/gone.bin failed with HTTP 404`);
    expect(e.message).toMatch(/file 'gone\.bin' does not exist/);
  });

  it('401 asks for a token; 500 suggests retrying or a local folder', async () => {
    hub.failWith = 401;
    const e401 = await rejection(downloadSnapshot(REPO, { endpoint: hub.url, cacheDir }));
    expect(e401.message).toMatch(/HTTP 401 Unauthorized: the repo is private or gated.*set HF_TOKEN/);
    hub.failWith = 500;
    const e500 = await rejection(downloadSnapshot(REPO, { endpoint: hub.url, cacheDir }));
    expect(e500.message).toMatch(/HTTP 500.*run again later.*pass its local folder/);
  });

  it('an unreachable hub says so and points at local folders for offline machines', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const { port } = dead.address() as AddressInfo;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const e = await rejection(downloadSnapshot(REPO, { endpoint: `http://127.0.0.1:${port}`, cacheDir }));
    expect(e.message).toContain(`GET http://127.0.0.1:${port}/api/models/${REPO}/revision/main failed (`);
    expect(e.message).toMatch(/ECONNREFUSED/);
    expect(e.message).toMatch(/cannot be reached.*pass its local folder instead of a repo id/);
  });

  it('takes the endpoint from HF_ENDPOINT, the cache from HF_HOME and the token from HF_TOKEN', async () => {
    process.env.HF_ENDPOINT = `${hub.url}/`;
    process.env.HF_HOME = join(cacheDir, 'hf-home');
    process.env.HF_TOKEN = 'hf_secret';
    const folder = await downloadSnapshot(REPO, { files: ['config.json'] });
    expect(folder).toBe(snapshotOf(join(cacheDir, 'hf-home', 'hub')));
    expect(hub.seen.length).toBe(2);
    expect(hub.seen.every((s) => s.authorization === 'Bearer hf_secret')).toBe(true);
    expect(await readFile(join(folder, 'config.json'), 'utf8')).toBe('{"hidden_size": 8}\n');
    // Errors never show the token.
    hub.failWith = 403;
    const e = await rejection(downloadSnapshot(REPO, { files: ['config.json'], cacheDir }));
    expect(e.message).not.toContain('hf_secret');
  });

  it('default cache folder: HF_HUB_CACHE, then HF_HOME/hub, then ~/.cache/huggingface/hub', async () => {
    expect(await defaultHubCache()).toMatch(/\.cache\/huggingface\/hub$/);
    process.env.HF_HOME = '/h';
    expect(await defaultHubCache()).toBe('/h/hub');
    process.env.HF_HUB_CACHE = '/c';
    expect(await defaultHubCache()).toBe('/c');
    expect(repoFolderName('sentence-transformers/all-MiniLM-L6-v2')).toBe('models--sentence-transformers--all-MiniLM-L6-v2');
  });

  it('refuses bad repo ids, revisions and file names that would leave the snapshot folder', async () => {
    for (const bad of ['', '../x', 'a/b/c', '/abs', 'org/..', 'C:\\models\\x']) {
      const e = await rejection(downloadSnapshot(bad, { endpoint: hub.url, cacheDir }));
      expect(e.message).toMatch(/must be a Hugging Face repo id.*pass its folder path/);
    }
    expect((await rejection(downloadSnapshot(REPO, { endpoint: hub.url, cacheDir, revision: '../x' }))).message).toMatch(/revision/);
    expect((await rejection(downloadSnapshot(REPO, { endpoint: 'ftp://x', cacheDir }))).message).toMatch(/must be an http\(s\) URL/);
    hub.extraListed = ['../../escape.txt'];
    const e = await rejection(downloadSnapshot(REPO, { endpoint: hub.url, cacheDir }));
    expect(e.message).toMatch(/lists a file "\.\.\/\.\.\/escape\.txt" that is not a safe relative path/);
    expect(hub.seen.length).toBe(1);
  });
});
