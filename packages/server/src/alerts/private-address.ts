import { isIP } from 'node:net'

/**
 * Addresses a webhook must not reach unless an allow-list names them: loopback, private
 * (RFC 1918, unique-local), link-local (cloud metadata lives there), CGNAT, unspecified and
 * multicast, in IPv4, IPv6 and IPv4-mapped IPv6 forms.
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 4) return privateV4(address.split('.').map(Number))
  if (family !== 6) return true // not an address at all: refuse
  const lower = address.toLowerCase()
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower)
  if (mapped) return privateV4(mapped[1]!.split('.').map(Number))
  if (lower === '::' || lower === '::1') return true
  const first = parseInt(lower.split(':')[0] || '0', 16)
  return (
    (first & 0xfe00) === 0xfc00 || // fc00::/7 unique local
    (first & 0xffc0) === 0xfe80 || // fe80::/10 link local
    (first & 0xff00) === 0xff00 // ff00::/8 multicast
  )
}

function privateV4([a, b]: number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b! >= 64 && b! <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 168) ||
    a! >= 224
  )
}
