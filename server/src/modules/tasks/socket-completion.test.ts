import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env.js';
import { deltaChunkSize } from './socket-completion.js';

describe('deltaChunkSize (the original stream_delta_chunk_size rule)', () => {
  it('takes the model param over the request param, never below the env value', () => {
    expect(deltaChunkSize(1, undefined, {})).toBe(1);
    expect(deltaChunkSize(1, { stream_delta_chunk_size: 4 }, {})).toBe(4);
    expect(deltaChunkSize(1, { stream_delta_chunk_size: 4 }, { stream_delta_chunk_size: 10 })).toBe(10);
    expect(deltaChunkSize(8, { stream_delta_chunk_size: 4 }, {})).toBe(8);
    expect(deltaChunkSize(2, { stream_delta_chunk_size: '6' }, {})).toBe(6);
  });

  it('reads junk as unset', () => {
    expect(deltaChunkSize(1, { stream_delta_chunk_size: 'lots' }, { stream_delta_chunk_size: 0 })).toBe(1);
    expect(deltaChunkSize(1, { stream_delta_chunk_size: -3 }, { stream_delta_chunk_size: 2.5 })).toBe(1);
    expect(deltaChunkSize(1, 'not an object', { stream_delta_chunk_size: null })).toBe(1);
  });

  it('comes from CHAT_RESPONSE_STREAM_DELTA_CHUNK_SIZE, 1 when empty or not a whole number', () => {
    expect(loadConfig({}, '/srv').chatApp.streamDeltaChunkSize).toBe(1);
    expect(loadConfig({ CHAT_RESPONSE_STREAM_DELTA_CHUNK_SIZE: '5' }, '/srv').chatApp.streamDeltaChunkSize).toBe(5);
    for (const v of ['', 'x', '2.5', '0', '-4']) expect(loadConfig({ CHAT_RESPONSE_STREAM_DELTA_CHUNK_SIZE: v }, '/srv').chatApp.streamDeltaChunkSize).toBe(1);
  });
});
