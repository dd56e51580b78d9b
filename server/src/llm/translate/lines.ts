/**
 * Splits a byte stream into text lines in linear time. A line that arrives in many pieces is kept as a
 * list of fragments and joined once when its newline arrives, so a long line never gets re-scanned or
 * re-copied per piece (the quadratic trap of `buffer += chunk; buffer.split('\n')`).
 */
/** Longest line kept (characters): an upstream line without a newline must not grow memory forever. */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;

export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`Upstream sent a line longer than ${Math.round(limit / 1048576)} MiB; the reply was cut`);
    this.name = 'LineTooLongError';
  }
}

export class LineSplitter {
  #decoder = new TextDecoder();
  // True while the decoder may hold the start of a character split across pieces (or has not yet seen
  // the stream's first bytes, where it drops a byte order mark).
  #decoderOwed = true;
  #fragments: string[] = [];
  #pending = 0;

  constructor(private readonly maxLine = MAX_LINE_CHARS) {}

  /** Complete lines found in this piece, without their line endings. Throws LineTooLongError past the cap. */
  push(chunk: Uint8Array | string): string[] {
    const text = typeof chunk === 'string' ? chunk : this.#decode(chunk);
    const lines: string[] = [];
    let start = 0;
    let nl = text.indexOf('\n');
    while (nl !== -1) {
      let piece = text.slice(start, nl);
      if (this.#pending + piece.length > this.maxLine) throw new LineTooLongError(this.maxLine);
      if (this.#fragments.length) {
        this.#fragments.push(piece);
        piece = this.#fragments.join('');
        this.#fragments = [];
        this.#pending = 0;
      }
      lines.push(piece.endsWith('\r') ? piece.slice(0, -1) : piece);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    if (start < text.length) {
      const rest = text.slice(start);
      this.#pending += rest.length;
      if (this.#pending > this.maxLine) {
        this.#fragments = [];
        this.#pending = 0;
        throw new LineTooLongError(this.maxLine);
      }
      this.#fragments.push(rest);
    }
    return lines;
  }

  /**
   * A piece that ends in an ASCII byte (an NDJSON or SSE piece ends in a newline) while the decoder owes
   * nothing decodes the same through Buffer's UTF-8 slice, which costs half of TextDecoder's streaming
   * call; anything else goes through the decoder, which keeps a split character for the next piece.
   */
  #decode(chunk: Uint8Array): string {
    const last = chunk.length ? chunk[chunk.length - 1]! : 0;
    if (!this.#decoderOwed && last < 0x80 && Buffer.isBuffer(chunk)) return chunk.toString('utf8');
    const text = this.#decoder.decode(chunk, { stream: true });
    this.#decoderOwed = chunk.length === 0 ? this.#decoderOwed : last >= 0x80;
    return text;
  }

  /** The unterminated last line, if any. */
  end(): string[] {
    const tail = this.#decoder.decode();
    if (tail) this.#fragments.push(tail);
    if (!this.#fragments.length) return [];
    const last = this.#fragments.join('');
    this.#fragments = [];
    this.#pending = 0;
    return last.trim() ? [last.endsWith('\r') ? last.slice(0, -1) : last] : [];
  }
}

/** One NDJSON line as its object: none for a blank line, an `{error}` object for a malformed one. */
export function parseNdjsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.trim()) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { error: `Invalid JSON line from upstream: ${line.slice(0, 200)}` };
  }
}

/**
 * NDJSON objects from a byte stream; blank lines skipped, a malformed line reported as an error. `parse`
 * reads one line (a format that knows its usual lines can skip JSON.parse for them).
 */
export async function* ndjsonObjects(
  source: AsyncIterable<Uint8Array | string>,
  parse: (line: string) => Record<string, unknown> | undefined = parseNdjsonLine,
): AsyncGenerator<Record<string, unknown>> {
  const splitter = new LineSplitter();
  for await (const chunk of source) {
    let lines: string[];
    try {
      lines = splitter.push(chunk);
    } catch (err) {
      if (!(err instanceof LineTooLongError)) throw err;
      yield { error: err.message };
      return; // leaving the loop releases (destroys) the upstream body
    }
    for (const line of lines) {
      const obj = parse(line);
      if (obj) yield obj;
    }
  }
  for (const line of splitter.end()) {
    const obj = parse(line);
    if (obj) yield obj;
  }
}

/**
 * `data:` payloads of a Server-Sent Events stream, one string per event (multi-line data joined with
 * "\n"); comments and other fields are ignored. `[DONE]` is returned like any other payload.
 */
export async function* sseData(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const splitter = new LineSplitter();
  let data: string[] = [];
  const flush = function* () {
    if (data.length) yield data.join('\n');
    data = [];
  };
  const take = function* (line: string) {
    if (line === '') yield* flush();
    else if (line.startsWith('data:')) data.push(line.slice(line.charCodeAt(5) === 32 ? 6 : 5));
  };
  for await (const chunk of source) {
    let lines: string[];
    try {
      lines = splitter.push(chunk);
    } catch (err) {
      if (!(err instanceof LineTooLongError)) throw err;
      yield JSON.stringify({ error: { message: err.message } });
      return;
    }
    for (const line of lines) yield* take(line);
  }
  for (const line of splitter.end()) yield* take(line);
  yield* flush();
}
