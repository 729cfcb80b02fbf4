import { defineConfig } from 'vite';

// Built by Maven (npm run build) straight into the classes: Kiln serves it from the jar, same origin as the API.
export default defineConfig({
  build: {
    outDir: '../target/classes/static',
    emptyOutDir: true,
    assetsDir: 'assets',
  },
  esbuild: { jsx: 'automatic' },
  server: {
    proxy: { '/api': { target: 'http://localhost:8080', ws: true } },
  },
});
