#!/usr/bin/env node
// Entry point of the `open-webui` command; the server is bundled into ../dist by `npm run build`.
import { main } from '../dist/server.js';

await main();
