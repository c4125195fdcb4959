export { parseArgs, USAGE, type Command } from './args.js'
export { runCli } from './cli.js'
export { readServerSettings, type ServerSettings } from './settings.js'
