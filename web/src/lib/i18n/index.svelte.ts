import { en, type MessageKey } from './en';
import { zhCN } from './zh-CN';

export const LOCALES = [
  { code: 'en-US', label: 'English (US)' },
  { code: 'zh-CN', label: '简体中文 (Chinese)' },
] as const;

const tables: Record<string, Record<MessageKey, string>> = { 'en-US': en, en: en, 'zh-CN': zhCN, zh: zhCN };

let locale = $state('en-US');

export function getLocale(): string {
  return locale;
}

/** Picks the first supported of: explicit choice, saved choice, the server's default, the browser's. */
export function initLocale(serverDefault?: string): void {
  let saved: string | null = null;
  try {
    saved = localStorage.getItem('locale');
  } catch {
    /* private mode */
  }
  const candidates = [saved, serverDefault, ...(navigator.languages ?? [])].filter(Boolean) as string[];
  const pick = candidates.find((c) => tables[c] || tables[c.split('-')[0]!]);
  setLocale(pick ? (tables[pick] ? pick : pick.split('-')[0]!) : 'en-US', false);
}

export function setLocale(code: string, persist = true): void {
  locale = code.startsWith('zh') ? 'zh-CN' : 'en-US';
  if (persist) localStorage.setItem('locale', locale);
  document.documentElement.lang = locale;
}

export function t(key: MessageKey, vars?: Record<string, string | number>): string {
  let s = tables[locale]?.[key] ?? en[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}
