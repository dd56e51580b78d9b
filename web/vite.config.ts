import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [tailwindcss(), sveltekit()],
  server: {
    // `npm run dev -w web` against a server started with `npm start` on 8080.
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/ollama': 'http://127.0.0.1:8080',
      '/openai': 'http://127.0.0.1:8080',
      '/ws': { target: 'http://127.0.0.1:8080', ws: true },
    },
  },
});
