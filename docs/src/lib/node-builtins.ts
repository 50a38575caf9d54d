/**
 * Stands in for Node's built-in modules in the browser build (vite.config.ts aliases `node:fs`,
 * `node:fs/promises`, `node:path`, `node:module` and `node:os` here). @tessera/nn imports some of them
 * at the top of its tokenizer files (reading vocab.txt / tokenizer.json folders, bertBaseUncasedVocab)
 * and lazily for SentenceTransformer.load/save and safetensors files; none of that runs in a
 * browser, and calling it throws this error instead of "x is not a function".
 */
function unavailable(name: string): never {
  throw new Error(`${name} is a Node.js API and is not available in the browser (use the in-memory forms: Tokenizer.fromJSON, parseSafetensors, bertTokenizerJson on an imported vocab)`);
}

const stub =
  (name: string) =>
  (..._args: unknown[]): never =>
    unavailable(name);

export const readFileSync = stub('fs.readFileSync');
export const existsSync = stub('fs.existsSync');
export const readFile = stub('fs.readFile');
export const writeFile = stub('fs.writeFile');
export const mkdir = stub('fs.mkdir');
export const stat = stub('fs.stat');
export const rename = stub('fs.rename');
export const rm = stub('fs.rm');
export const open = stub('fs.open');
export const createRequire = stub('module.createRequire');
export const homedir = stub('os.homedir');
export const join = stub('path.join');
export const dirname = stub('path.dirname');
export const basename = stub('path.basename');
export const resolve = stub('path.resolve');
export const relative = stub('path.relative');
export const isAbsolute = stub('path.isAbsolute');
export const sep = '/';
export default { readFileSync, existsSync, readFile, writeFile, mkdir, stat, rename, rm, open, createRequire, homedir, join, dirname, basename, resolve, relative, isAbsolute, sep };
