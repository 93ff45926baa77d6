import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Where `npm run dev` forwards /api and /ws: the nginx of a running stack.
const backend = process.env.CHAT_BACKEND ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [react()],
  // Served by nginx at `/` with an index.html fallback, so assets use absolute /assets/ paths.
  base: '/',
  build: {
    outDir: 'dist',
    sourcemap: true,
    // Nothing inlined as data: URLs for scripts; the CSP allows only 'self' scripts and styles.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: {
      // The backend checks Origin on cookie-authenticated writes and on the WebSocket upgrade;
      // through the dev server the page's origin is the dev server's, so present the backend's.
      '/api': {
        target: backend,
        configure: (proxy) => proxy.on('proxyReq', (req) => req.setHeader('origin', backend)),
      },
      '/ws': {
        target: backend,
        ws: true,
        configure: (proxy) => proxy.on('proxyReqWs', (req) => req.setHeader('origin', backend)),
      },
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
});
