let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

export function setGradEnabled(flag: boolean): void {
  enabled = flag;
}

function withMode<T>(flag: boolean, fn: () => T): T {
  const previous = enabled;
  enabled = flag;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    enabled = previous;
    throw e;
  }
  if (result instanceof Promise) {
    // Async bodies keep the mode until they settle (other concurrent code sees it too).
    return result.finally(() => {
      enabled = previous;
    }) as T;
  }
  enabled = previous;
  return result;
}

/** Runs `fn` without recording operations (torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  return withMode(false, fn);
}

/** Runs `fn` with recording on, e.g. inside a `noGrad` block (torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  return withMode(true, fn);
}
