import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBlockedAddress } from './address-policy.js';
import { createSafeFetch, safeFetch, SafeFetchError } from './safe-fetch.js';

type Hit = { url: string; headers: http.IncomingHttpHeaders };

/** A loopback server that records every request it gets; `handler` decides the answer. */
async function recorder(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    hits.push({ url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { hits, port, close: () => new Promise<void>((r) => server.close(() => r())), server };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof SafeFetchError) return err.code;
    throw err;
  }
}

describe('isBlockedAddress', () => {
  it.each([
    '127.0.0.1', '127.1.2.3', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '100.64.0.1', '100.127.255.254',
    '169.254.169.254', '169.254.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '198.18.0.1',
    '::', '::1', 'fd00:ec2::254', 'fc00::1', 'fe80::1', 'fe80::1%eth0', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1',
    '::ffff:8.8.8.8', '64:ff9b::a9fe:a9fe', '64:ff9b::10.0.0.1', '2002:7f00:1::', 'not-an-ip', '',
  ])('refuses %s', (ip) => {
    expect(isBlockedAddress(ip)).toBe(true);
  });
  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '64:ff9b::808:808'])(
    'allows %s',
    (ip) => {
      expect(isBlockedAddress(ip)).toBe(false);
    },
  );
});

describe('safeFetch against a sentinel on loopback', () => {
  let sentinel: Awaited<ReturnType<typeof recorder>>;
  beforeAll(async () => {
    sentinel = await recorder((_req, res) => res.end('sentinel'));
  });
  afterAll(() => sentinel.close());

  it('refuses loopback in every spelling, and the sentinel sees nothing', async () => {
    const p = sentinel.port;
    for (const url of [
      `http://127.0.0.1:${p}/`,
      `http://localhost:${p}/`,
      `http://127.1:${p}/`,
      `http://2130706433:${p}/`,
      `http://0x7f.0.0.1:${p}/`,
      `http://[::1]:${p}/`,
      `http://[::ffff:127.0.0.1]:${p}/`,
      `http://0.0.0.0:${p}/`,
    ]) {
      expect(await code(safeFetch(url)), url).toBe('blocked_address');
    }
    expect(await code(createSafeFetch()(`http://127.0.0.1:${p}/`))).toBe('blocked_address');
    expect(sentinel.hits).toHaveLength(0);
  });

  it('refuses a name that resolves to a private address (checked at connect time)', async () => {
    const resolve = async () => [{ address: '169.254.169.254', family: 4 }];
    expect(await code(safeFetch(`http://metadata.example:${sentinel.port}/`, { resolve }))).toBe('blocked_address');
    const mixed = async () => [
      { address: '8.8.8.8', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ];
    expect(await code(safeFetch(`http://mixed.example:${sentinel.port}/`, { resolve: mixed }))).toBe('blocked_address');
    expect(sentinel.hits).toHaveLength(0);
  });

  it('connects to exactly the address it checked (no second lookup)', async () => {
    let lookups = 0;
    const resolve = async () => {
      lookups++;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    // `pinned.example` does not exist in real DNS: reaching the sentinel proves the checked answer was used.
    const res = await safeFetch(`http://pinned.example:${sentinel.port}/x`, {
      resolve,
      isAllowedAddress: (a, port) => a === '127.0.0.1' && port === sentinel.port,
    });
    expect(res.text()).toBe('sentinel');
    expect(lookups).toBe(1);
    expect(sentinel.hits.at(-1)?.headers.host).toBe(`pinned.example:${sentinel.port}`);
    sentinel.hits.length = 0;
  });

  it('tries the next checked address when one refuses (IPv6 first, server on IPv4 only)', async () => {
    const resolve = async () => [
      { address: '::1', family: 6 },
      { address: '127.0.0.1', family: 4 },
    ];
    const res = await safeFetch(`http://dual.example:${sentinel.port}/`, { resolve, allowPrivate: true });
    expect(res.text()).toBe('sentinel');
    sentinel.hits.length = 0;
  });

  it('reaches loopback when the admin allows local fetches', async () => {
    const res = await safeFetch(`http://127.0.0.1:${sentinel.port}/ok`, { allowPrivate: true });
    expect(res.status).toBe(200);
    expect(res.text()).toBe('sentinel');
    const streamed = await createSafeFetch({ allowPrivate: true })(`http://localhost:${sentinel.port}/s`);
    expect(await streamed.text()).toBe('sentinel');
    sentinel.hits.length = 0;
  });

  it('re-checks every redirect target', async () => {
    const relay = await recorder((req, res) => {
      const to = req.url === '/by-ip' ? `http://127.0.0.1:${sentinel.port}/` : `http://sneaky.example:${sentinel.port}/`;
      res.writeHead(302, { location: to }).end();
    });
    // The relay counts as "public" here; the sentinel does not.
    const policy = {
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
      isAllowedAddress: (_a: string, port: number) => port === relay.port,
    };
    expect(await code(safeFetch(`http://127.0.0.1:${relay.port}/by-ip`, policy))).toBe('blocked_address');
    expect(await code(safeFetch(`http://relay.example:${relay.port}/by-name`, policy))).toBe('blocked_address');
    expect(relay.hits).toHaveLength(2);
    expect(sentinel.hits).toHaveLength(0);
    await relay.close();
  });
});

describe('safeFetch limits and credentials', () => {
  const local = { allowPrivate: true };

  it('drops credentials when a redirect changes origin, keeps them on the same origin', async () => {
    const target = await recorder((_req, res) => res.end('target'));
    const relay = await recorder((req, res) => {
      if (req.url === '/same') return res.writeHead(307, { location: '/final' }).end();
      if (req.url === '/final') return res.end('same-origin');
      res.writeHead(302, { location: `http://127.0.0.1:${target.port}/t` }).end();
    });
    const headers = { authorization: 'Bearer secret', cookie: 'token=abc', 'x-api-key': 'k', accept: 'text/plain' };
    expect((await safeFetch(`http://127.0.0.1:${relay.port}/same`, { ...local, headers })).text()).toBe('same-origin');
    expect(relay.hits[1]?.headers.authorization).toBe('Bearer secret');
    expect((await safeFetch(`http://127.0.0.1:${relay.port}/away`, { ...local, headers })).text()).toBe('target');
    const h = target.hits[0]!.headers;
    expect(h.authorization).toBeUndefined();
    expect(h.cookie).toBeUndefined();
    expect(h['x-api-key']).toBeUndefined();
    expect(h.accept).toBe('text/plain');
    await relay.close();
    await target.close();
  });

  it('bounds redirects, body size and time', async () => {
    const srv = await recorder((req, res) => {
      if (req.url === '/loop') return res.writeHead(302, { location: '/loop' }).end();
      if (req.url === '/big') {
        res.write(Buffer.alloc(600_000));
        res.end(Buffer.alloc(600_000));
        return;
      }
      if (req.url === '/declared') return res.writeHead(200, { 'content-length': '5000000' }).end(Buffer.alloc(5_000_000));
      // /slow: never answers
    });
    expect(await code(safeFetch(`http://127.0.0.1:${srv.port}/loop`, { ...local, maxRedirects: 3 }))).toBe('too_many_redirects');
    expect(srv.hits).toHaveLength(4);
    expect(await code(safeFetch(`http://127.0.0.1:${srv.port}/big`, { ...local, maxBytes: 1_000_000 }))).toBe('too_large');
    expect(await code(safeFetch(`http://127.0.0.1:${srv.port}/declared`, { ...local, maxBytes: 1_000_000 }))).toBe('too_large');
    const t0 = Date.now();
    expect(await code(safeFetch(`http://127.0.0.1:${srv.port}/slow`, { ...local, timeoutMs: 300 }))).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(3000);
    srv.server.closeAllConnections();
    await srv.close();
  });

  it('refuses URLs that are not plain http(s)', async () => {
    expect(await code(safeFetch('file:///etc/passwd'))).toBe('bad_url');
    expect(await code(safeFetch('http://user:pw@example.com/'))).toBe('bad_url');
    expect(await code(safeFetch('not a url'))).toBe('bad_url');
  });

  it('reports a refused connection as connect_failed', async () => {
    const srv = await recorder(() => {});
    const port = srv.port;
    await srv.close();
    expect(await code(safeFetch(`http://127.0.0.1:${port}/`, local))).toBe('connect_failed');
  });
});
