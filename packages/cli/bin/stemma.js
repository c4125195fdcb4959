#!/usr/bin/env node
// Committed so `npm ci` can link the `stemma` command before anything is built; the command
// itself is compiled to dist by `npm run build` (which `npm start` runs).
import '../dist/main.js'
