import { defineConfig } from 'vite'

// JSX is compiled by esbuild (React's automatic runtime); no Babel plugin is needed for a build.
export default defineConfig({
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    target: 'es2022',
    // The polyfill would be an inline script, which the Content-Security-Policy forbids.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
  },
})
