/**
 * KaTeX and Mermaid, loaded only when a message has formulas or diagrams (markdown.ts marks them).
 * Both libraries are large; keeping them in this chunk keeps them out of the first load.
 */
import katex from 'katex';
import 'katex/dist/katex.min.css';

let mermaidReady: Promise<typeof import('mermaid').default> | null = null;
let seq = 0;

function mermaid() {
  mermaidReady ??= import('mermaid').then((m) => {
    // strict: no click handlers or HTML labels from model output.
    m.default.initialize({ startOnLoad: false, securityLevel: 'strict', theme: document.documentElement.classList.contains('dark') ? 'dark' : 'default' });
    return m.default;
  });
  return mermaidReady;
}

export async function renderRich(root: HTMLElement): Promise<void> {
  for (const el of root.querySelectorAll<HTMLElement>('.math[data-tex]:not([data-done])')) {
    el.dataset.done = '1';
    try {
      katex.render(decodeURIComponent(el.dataset.tex ?? ''), el, { displayMode: el.dataset.display === '1', throwOnError: false, trust: false });
    } catch {
      /* leave the source text */
    }
  }
  const blocks = [...root.querySelectorAll<HTMLElement>('.mermaid-block[data-src]:not([data-done])')];
  if (!blocks.length) return;
  const m = await mermaid();
  for (const el of blocks) {
    el.dataset.done = '1';
    try {
      const { svg } = await m.render(`mermaid-${++seq}`, decodeURIComponent(el.dataset.src ?? ''));
      el.innerHTML = svg;
      el.dataset.rendered = '1';
    } catch {
      el.dataset.done = 'error'; // keep the source visible
    }
  }
}
