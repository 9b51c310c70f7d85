// The portal's build: plain TS modules, the package by name (file:../pkg), its .wasm emitted as an asset.
import { defineConfig } from 'vite';

export default defineConfig({
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, assetsInlineLimit: 0 },
  server: { host: '127.0.0.1' },
});
