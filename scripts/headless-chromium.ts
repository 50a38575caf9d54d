/**
 * Debian's Chromium, headless, with WebGPU on its own SwiftShader (a software adapter): the browser
 * and flags that the browser tests (packages/tensor/test/browser, docs/test) launch through playwright-core.
 */
export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS: string[] = [
  '--enable-unsafe-webgpu',
  // Unmasks GPUAdapterInfo.device/description (otherwise '' in Chromium), e.g. 'SwiftShader Device (Subzero)'.
  '--enable-webgpu-developer-features',
  '--use-angle=swiftshader',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Nothing outside this machine: the pages are served on 127.0.0.1.
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
  '--no-sandbox',
];
