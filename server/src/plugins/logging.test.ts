import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { lazyChildLoggerFactory } from './logging.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines };
}

const make = (logger: pino.Logger, bindings = { reqId: 'req-7' }) =>
  lazyChildLoggerFactory.call({} as never, logger as never, bindings, {}, {} as never) as unknown as pino.Logger;

describe('lazy request child logger', () => {
  it('writes lines of enabled levels with the request id', () => {
    const { logger, lines } = capture('info');
    const log = make(logger);
    log.debug('hidden');
    log.info({ a: 1 }, 'shown');
    log.error(new Error('boom'));
    expect(lines.map((l) => [l.msg, l.reqId])).toEqual([
      ['shown', 'req-7'],
      ['boom', 'req-7'],
    ]);
    expect(lines[0]!.a).toBe(1);
  });

  it('writes nothing for disabled levels, and follows a level set on it', () => {
    const { logger, lines } = capture('error');
    const log = make(logger);
    expect(log.isLevelEnabled('info')).toBe(false);
    log.info('no');
    expect(lines).toEqual([]);
    log.level = 'debug';
    log.debug('yes');
    expect(lines.map((l) => [l.msg, l.reqId])).toEqual([['yes', 'req-7']]);
    expect(logger.level).toBe('error');
  });

  it('keeps the request id in its own children and bindings', () => {
    const { logger, lines } = capture('info');
    const log = make(logger);
    log.child({ step: 'x' }).warn('w');
    expect(lines[0]).toMatchObject({ reqId: 'req-7', step: 'x', msg: 'w' });
    expect(log.bindings()).toEqual({ reqId: 'req-7' });
  });
});
