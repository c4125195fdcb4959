import { Api, saveLogin } from '@stemma/sdk'
import { StemmaError } from '@stemma/core'

export async function loginCommand(
  options: { host?: string; key?: string },
  readKey: () => Promise<string>,
  out: (line: string) => void,
): Promise<void> {
  const baseUrl = (options.host ?? process.env.STEMMA_BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '')
  const apiKey = (options.key ?? process.env.STEMMA_API_KEY ?? (await readKey())).trim()
  if (apiKey === '')
    throw new StemmaError('BAD_REQUEST', 'No API key given: pass it as an argument or on standard input.')
  // Verify before saving, so a typo never replaces working credentials.
  const viewer = await new Api({ baseUrl, apiKey }).viewer()
  const file = saveLogin({ baseUrl, apiKey })
  out(`Logged in to ${baseUrl} as ${viewer.username}; credentials saved to ${file}`)
}
