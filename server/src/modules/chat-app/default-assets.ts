import { crc32, deflateSync } from 'node:zlib';

/**
 * Built-in `/static` files for an empty STATIC_DIR (the original ships favicon, splash and logo images
 * and an empty custom.css / loader.js). Images are drawn here, a ring on a dark square, so no binary
 * asset has to live in the repository.
 */
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

function ringPng(size: number, dark: boolean): Buffer {
  const rows: Buffer[] = [];
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0, then RGBA
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - c, y - c) / (size / 2);
      const ring = d > 0.42 && d < 0.62;
      const bg = dark ? 0 : 255;
      const fg = dark ? 255 : 0;
      const v = ring ? fg : bg;
      row.set([v, v, v, 255], 1 + x * 4);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

let cache: Map<string, { type: string; body: Buffer }> | null = null;

/** name -> content type and bytes; built on first use. */
export function defaultAssets(): Map<string, { type: string; body: Buffer }> {
  if (cache) return cache;
  const png = (size: number, dark = true) => ({ type: 'image/png', body: ringPng(size, dark) });
  cache = new Map([
    ['favicon.png', png(64)],
    ['favicon-96x96.png', png(96)],
    ['favicon-dark.png', png(64, false)],
    ['apple-touch-icon.png', png(180)],
    ['web-app-manifest-192x192.png', png(192)],
    ['web-app-manifest-512x512.png', png(512)],
    ['logo.png', png(256)],
    ['splash.png', png(256)],
    ['splash-dark.png', png(256, false)],
    ['user.png', png(96, false)],
    ['custom.css', { type: 'text/css; charset=utf-8', body: Buffer.from('') }],
    ['loader.js', { type: 'text/javascript; charset=utf-8', body: Buffer.from('') }],
  ]);
  return cache;
}
