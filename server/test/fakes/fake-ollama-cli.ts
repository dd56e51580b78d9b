/**
 * Runs the fake Ollama as its own process (for the web e2e suite, benchmarks, manual tries):
 *   npx tsx server/test/fakes/fake-ollama-cli.ts [--port 11434] [--models llama3:latest,qwen2:7b]
 *                                                [--reply "text"] [--delay-ms 20]
 * Without tsx (Node 20 cannot run .ts itself), bundle it once with the esbuild we already have:
 *   npx esbuild server/test/fakes/fake-ollama-cli.ts --bundle --platform=node --format=esm \
 *     --outfile=/tmp/fake-ollama.mjs && node /tmp/fake-ollama.mjs --port 11434
 * Prints `FAKE_OLLAMA_URL=http://127.0.0.1:<port>` once listening; stops on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startFakeOllama } from './fake-ollama.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    models: { type: 'string' },
    reply: { type: 'string' },
    'delay-ms': { type: 'string' },
  },
});

const fake = await startFakeOllama(
  {
    ...(values.models ? { models: values.models.split(',').map((m) => m.trim()).filter(Boolean) } : {}),
    ...(values.reply ? { reply: values.reply } : {}),
    ...(values['delay-ms'] ? { tokenDelayMs: Number(values['delay-ms']) } : {}),
  },
  Number(values.port),
);
console.log(`FAKE_OLLAMA_URL=${fake.url}`);
const stop = () => void fake.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
