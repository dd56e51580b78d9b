import { describe, expect, it, vi } from 'vitest';
import { parseDuration, TokenService } from './tokens.js';

describe('JWT_EXPIRES_IN durations', () => {
  it('parses single and combined units', () => {
    expect(parseDuration('4w')).toBe(4 * 7 * 86_400_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1d2h3m4s')).toBe(86_400_000 + 7_200_000 + 180_000 + 4000);
  });
  it('treats -1 and 0 as never expiring', () => {
    expect(parseDuration('-1')).toBeNull();
    expect(parseDuration('0')).toBeNull();
  });
  it('rejects anything else', () => {
    for (const bad of ['', '4', 'w4', '1y', '1h 30m', '-5m']) expect(() => parseDuration(bad)).toThrow();
  });
});

describe('TokenService', () => {
  const svc = new TokenService('unit-secret');
  it('round-trips id, jti, iat (s and ms) and exp', async () => {
    const before = Date.now();
    const { token, claims } = await svc.create('u1', 60_000);
    const back = await svc.verify(token);
    expect(back).toMatchObject({ id: 'u1', jti: claims.jti, iat: claims.iat, exp: claims.exp });
    expect(back!.issuedAtMs).toBeGreaterThanOrEqual(before);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
  });
  it('omits exp for tokens that never expire', async () => {
    const { token } = await svc.create('u1', null);
    expect((await svc.verify(token))!.exp).toBeUndefined();
  });
  it('returns null for tokens signed with another key, tampered or malformed', async () => {
    const { token } = await new TokenService('other').create('u1', 60_000);
    expect(await svc.verify(token)).toBeNull();
    const own = (await svc.create('u1', 60_000)).token;
    const [h, , sig] = own.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ id: 'admin' })).toString('base64url')}.${sig}`;
    expect(await svc.verify(tampered)).toBeNull();
    expect(await svc.verify('not-a-jwt')).toBeNull();
  });
  it('still expires a token it has verified before (verified-token cache)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const { token } = await svc.create('u1', 2_000);
      expect(await svc.verify(token)).not.toBeNull();
      expect(await svc.verify(token)).not.toBeNull();
      vi.setSystemTime(Date.now() + 3_000);
      expect(await svc.verify(token)).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});
