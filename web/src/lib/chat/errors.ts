import type { MessageKey } from '../i18n/en';
import { getLocale, t } from '../i18n/index.svelte';
import { session } from '../state/session.svelte';

/**
 * Server and upstream error texts, in the user's language, with what to do about them. The server
 * answers in the original's English wording (clients match on it); the UI translates the ones it knows.
 */
const KNOWN: Array<[RegExp, MessageKey]> = [
  [/^Model not found$/i, 'chatapp.err.modelNotFound'],
  [/does not support chat/i, 'chatapp.err.embeddingModel'],
  [/^Stream interrupted: upstream (connection lost|timed out)/i, 'chatapp.err.streamBroken'],
  [/^The email or password provided is incorrect/i, 'chatapp.err.invalidCred'],
  [/^You do not have permission to access this resource/i, 'chatapp.err.prohibited'],
  [/^Your session has expired or the token is invalid/i, 'chatapp.err.invalidToken'],
  [/^Uh-oh! This email is already registered/i, 'chatapp.err.emailTaken'],
  [/^API key creation is not allowed/i, 'chatapp.err.apiKeysOff'],
  [/^We could not find what you're looking for/i, 'chatapp.err.notFound'],
  [/^API rate limit exceeded/i, 'chatapp.err.rateLimit'],
  [/^Network error/i, 'chatapp.err.network'],
];

/**
 * The server's text in the current language when it is a known one; otherwise unchanged. Upstream
 * connection errors stay as sent (admins search for the exact text; the diagnosis beside them is translated).
 */
export function translateError(text: string): string {
  if (getLocale().startsWith('en')) return text;
  const hit = KNOWN.find(([re]) => re.test(text));
  return hit ? t(hit[1]) : text;
}

/** A reply's error: the text, a hint on what to do (depends on who is asking), and whether it is a connection problem. */
export function explainError(raw: string): { text: string; hint: string | null; connection: boolean } {
  // Any failure of a reply but a wrong model choice points an admin at the connection settings.
  const connection = !/does not support chat/i.test(raw);
  let hint: string | null = null;
  if (/^Model not found$/i.test(raw) || /could not connect|Server Connection Error|ECONNREFUSED/i.test(raw)) {
    hint = session.isAdmin ? t('chatapp.hint.adminConnection') : t('chatapp.hint.askAdmin');
  } else if (/does not support chat/i.test(raw)) {
    hint = t('chatapp.hint.pickChatModel');
  }
  return { text: translateError(raw), hint, connection };
}
