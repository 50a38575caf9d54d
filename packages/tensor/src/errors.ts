/** An error raised by a Tessera op: names the op, the argument and what was expected. */
export class TesseraError extends Error {
  readonly op: string;
  readonly arg: string | undefined;
  constructor(op: string, arg: string | undefined, message: string) {
    super(arg === undefined ? `${op}: ${message}` : `${op}: argument '${arg}' ${message}`);
    this.name = 'TesseraError';
    this.op = op;
    this.arg = arg;
  }
}

/** Formats a shape the way error messages print it: `[2, 3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws a TesseraError for `op`/`arg` unless `cond` holds. */
export function check(cond: boolean, op: string, arg: string | undefined, message: () => string): asserts cond {
  if (!cond) throw new TesseraError(op, arg, message());
}
