import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import { Marked, type TokenizerAndRendererExtension } from 'marked';

// A handful of common languages keeps the bundle within the first-load budget.
for (const [name, lang] of Object.entries({ bash, css, javascript, json, python, sql, typescript, xml })) hljs.registerLanguage(name, lang);
hljs.registerAliases(['sh', 'shell', 'zsh'], { languageName: 'bash' });
hljs.registerAliases(['js', 'jsx'], { languageName: 'javascript' });
hljs.registerAliases(['ts', 'tsx'], { languageName: 'typescript' });
hljs.registerAliases(['html', 'svg'], { languageName: 'xml' });
hljs.registerAliases(['py'], { languageName: 'python' });

// Sources ride in data attributes URI-encoded: DOMPurify drops attribute values that look like
// markup (e.g. the `-->` of a Mermaid arrow).
const attr = (s: string) => encodeURIComponent(s);
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * LaTeX is only marked here (`<span class="math" data-tex>`); KaTeX renders it later from a lazily
 * loaded chunk (rich.ts), so a chat without formulas never downloads KaTeX. `$$…$$` / `\[…\]` are
 * display math, `$…$` / `\(…\)` inline; a `$` followed by a digit or space is left alone (prices).
 */
const mathBlock: TokenizerAndRendererExtension = {
  name: 'mathBlock',
  level: 'block',
  start: (src) => src.match(/\$\$|\\\[/)?.index,
  tokenizer(src) {
    const m = /^(?:\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\])(?:\n|$)/.exec(src);
    if (m) return { type: 'mathBlock', raw: m[0], text: (m[1] ?? m[2] ?? '').trim() };
    return undefined;
  },
  renderer: (token) => `<div class="math" data-display="1" data-tex="${attr(token.text as string)}">${escape(token.text as string)}</div>`,
};
const mathInline: TokenizerAndRendererExtension = {
  name: 'mathInline',
  level: 'inline',
  start: (src) => src.match(/\$(?![\s\d])|\\\(/)?.index,
  tokenizer(src) {
    const m = /^(?:\$(?![\s\d$])((?:\\.|[^$\n\\])+?)\$(?!\d)|\\\(([\s\S]+?)\\\))/.exec(src);
    if (m) return { type: 'mathInline', raw: m[0], text: (m[1] ?? m[2] ?? '').trim() };
    return undefined;
  },
  renderer: (token) => `<span class="math" data-tex="${attr(token.text as string)}">${escape(token.text as string)}</span>`,
};

const marked = new Marked({
  gfm: true,
  breaks: true,
  extensions: [mathBlock, mathInline],
  renderer: {
    code({ text, lang }) {
      const language = (lang ?? '').split(/\s/)[0]!.toLowerCase();
      // Mermaid diagrams are drawn later by the lazy chunk; until then (and if it fails) the source shows.
      if (language === 'mermaid') return `<div class="mermaid-block" data-src="${attr(text)}"><pre><code>${escape(text)}</code></pre></div>`;
      const html = language && hljs.getLanguage(language) ? hljs.highlight(text, { language }).value : escape(text);
      return `<div class="code-block"><div class="code-head"><span>${escape(language || 'code')}</span><button type="button" class="copy-code" data-testid="copy-code">Copy</button></div><pre><code class="hljs">${html}</code></pre></div>`;
    },
  },
});

// Links in model output open in a new tab and give the new page no handle on this one.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.getAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

/** Model output is untrusted: rendered markdown always goes through DOMPurify. */
export function renderMarkdown(src: string): string {
  const html = marked.parse(src, { async: false }) as string;
  return DOMPurify.sanitize(html, { ADD_ATTR: ['target'] });
}

/** Whether rendered HTML has formulas or diagrams for the lazy renderer. */
export const needsRich = (html: string) => html.includes('class="math"') || html.includes('class="mermaid-block"');

/** Markdown reduced to plain text (titles, the browser tab, text export). */
export function plainText(src: string): string {
  return src
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*_~#>|]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Clipboard API needs a secure context; plain-HTTP deployments fall back to a hidden textarea.
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
}
