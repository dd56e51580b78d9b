import { ApiError } from '../../errors/api-error.js';

/**
 * Which audio an OpenAI-compatible transcription endpoint reads as is (flac, mp3, mp4/m4a, mpeg, ogg,
 * wav, webm), told by the file's first bytes rather than its name or declared type. Anything else (AIFF,
 * AMR, 3GP, CAF...) goes through ffmpeg to mp3 first, like the original's conversion step.
 */
export type AudioFormat = 'wav' | 'mp3' | 'flac' | 'ogg' | 'webm' | 'mp4' | 'unknown';

export function sniffAudio(head: Buffer): AudioFormat {
  const ascii = (from: number, to: number) => head.subarray(from, to).toString('latin1');
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') return 'wav';
  if (ascii(0, 3) === 'ID3' || (head[0] === 0xff && head.length > 1 && (head[1]! & 0xe0) === 0xe0)) return 'mp3';
  if (ascii(0, 4) === 'fLaC') return 'flac';
  if (ascii(0, 4) === 'OggS') return 'ogg';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) return 'webm';
  if (ascii(4, 8) === 'ftyp') {
    // 3GP/3G2 carry AMR, which the endpoint cannot read; the other MP4 brands (M4A, isom, mp42) it can.
    return /^3g/.test(ascii(8, 12)) ? 'unknown' : 'mp4';
  }
  return 'unknown';
}

export const MIME_OF: Record<Exclude<AudioFormat, 'unknown'>, string> = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
  webm: 'audio/webm',
  mp4: 'audio/mp4',
};

/** Converts `input` to a mono 16 kHz mp3 at `output` with ffmpeg; a missing ffmpeg is a clear 400. */
export async function convertToMp3(ffmpeg: string, input: string, output: string, timeoutMs = 120_000): Promise<void> {
  // Imported here: node:child_process is ~3 ms of every start, and only this conversion needs it.
  const { spawn } = await import('node:child_process');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(ffmpeg, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', '-i', input, '-vn', '-ac', '1', '-ar', '16000', '-b:a', '64k', '-f', 'mp3', output], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 2000) stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        err.code === 'ENOENT'
          ? new ApiError(400, 'This audio format has to be converted, but ffmpeg is not installed on the server (install ffmpeg, or send wav, mp3, webm, ogg, flac or m4a)')
          : new ApiError(400, `Audio conversion failed: ${err.message}`),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else if (signal === 'SIGKILL') reject(new ApiError(504, 'Audio conversion took too long'));
      else reject(new ApiError(400, `The audio could not be read: ${stderr.trim().split('\n').pop() || `ffmpeg exited with ${code}`}`));
    });
  });
}
