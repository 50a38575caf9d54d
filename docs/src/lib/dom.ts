/** Small DOM helpers for the live pages. */

export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Fills element `id` with a table. */
export function renderRows(id: string, head: readonly string[], rows: readonly (readonly string[])[]): void {
  const box = document.getElementById(id);
  if (!box) return;
  box.innerHTML = `<table class="results"><thead><tr>${head.map((h) => `<th>${escapeText(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeText(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** Replaces element `id`'s content with trusted SVG markup (made by lib/svg.ts, which escapes its text). */
export function renderSvg(id: string, svg: string): void {
  const box = document.getElementById(id);
  if (box) box.innerHTML = svg;
}
