import react from '@vitejs/plugin-react-swc';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * The operator console: a static single-page app the api serves at /console. `npm run build` writes it to
 * dist/console (CONSOLE_BUILD_DIR elsewhere: the browser tests build their own copy).
 */
export default defineConfig({
  root: __dirname,
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: process.env.CONSOLE_BUILD_DIR ?? resolve(__dirname, '../../dist/console'),
    emptyOutDir: true,
  },
});
