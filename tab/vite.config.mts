import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The Teams tab's build: the tab itself (index.html) and the local Teams host page (host.html, served only in
 * local mode), into tab/dist, served by the bot under /tab/.
 */
const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/tab/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: resolve(here, 'dist'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    rollupOptions: { input: { index: resolve(here, 'index.html'), host: resolve(here, 'host.html') } },
  },
});
