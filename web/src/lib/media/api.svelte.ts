import { getToken, http, throwIfNotOk } from '$lib/api/client';

/** `/api/v1/audio/*` and `/api/v1/images/*` (issue 20), in the original's shapes. */

export type Json = Record<string, any>;

function authHeaders(): Record<string, string> {
  const token = getToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

export const mediaApi = {
  async transcribe(audio: Blob, filename: string, language?: string): Promise<{ text: string }> {
    const form = new FormData();
    form.set('file', audio, filename);
    if (language) form.set('language', language);
    const res = await fetch('/api/v1/audio/transcriptions', { method: 'POST', headers: authHeaders(), body: form, credentials: 'same-origin' });
    await throwIfNotOk(res);
    return res.json();
  },
  async speech(input: string): Promise<Blob> {
    const res = await fetch('/api/v1/audio/speech', {
      method: 'POST',
      headers: { ...authHeaders(), 'content-type': 'application/json' },
      body: JSON.stringify({ input }),
      credentials: 'same-origin',
    });
    await throwIfNotOk(res);
    return res.blob();
  },
  audioConfig: () => http.get<Json>('/api/v1/audio/config'),
  updateAudioConfig: (c: Json) => http.post<Json>('/api/v1/audio/config/update', c),
  imagesConfig: () => http.get<Json>('/api/v1/images/config'),
  updateImagesConfig: (c: Json) => http.post<Json>('/api/v1/images/config/update', c),
  imageConfig: () => http.get<Json>('/api/v1/images/image/config'),
  updateImageConfig: (c: Json) => http.post<Json>('/api/v1/images/image/config/update', c),
  verifyImagesUrl: () => http.get<boolean>('/api/v1/images/config/url/verify'),
};

/** Composer state of this tab: whether the next message asks for an image. */
class ImageToggle {
  on = $state(false);
}
export const imageToggle = new ImageToggle();
