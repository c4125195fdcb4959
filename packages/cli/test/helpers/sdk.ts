import * as stemma from '@stemma/sdk'
import { API_KEY, tempDir, type TestServer } from './server.js'

export type InitOptions = Parameters<typeof stemma.init>[0]

/** `stemma.init` pointed at a test server, quiet, in a fresh run directory unless `dir` is given. */
export function initAgainst(server: TestServer, options: InitOptions): ReturnType<typeof stemma.init> {
  return stemma.init({
    baseUrl: server.baseUrl,
    apiKey: API_KEY,
    dir: tempDir(),
    settings: { quiet: true },
    ...options,
  })
}
