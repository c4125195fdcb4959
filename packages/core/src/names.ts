// Display names read like W&B's: `adjective-noun-N`, N being the run's 1-based position in its project.
const ADJECTIVES = [
  'amber', 'bold', 'brisk', 'calm', 'clever', 'crisp', 'daring', 'deft', 'eager', 'earnest',
  'fancy', 'fluent', 'gentle', 'glad', 'golden', 'hardy', 'honest', 'jolly', 'keen', 'lively',
  'lucid', 'mellow', 'misty', 'noble', 'polar', 'proud', 'quiet', 'rapid', 'rosy', 'royal',
  'serene', 'silent', 'snowy', 'solar', 'stellar', 'sunny', 'swift', 'tidy', 'vivid', 'wise',
]
const NOUNS = [
  'aurora', 'breeze', 'brook', 'canyon', 'cedar', 'cloud', 'comet', 'dawn', 'delta', 'dune',
  'ember', 'field', 'forest', 'frost', 'galaxy', 'glade', 'harbor', 'haze', 'lake', 'leaf',
  'meadow', 'moon', 'night', 'ocean', 'pine', 'planet', 'rain', 'river', 'sea', 'shadow',
  'sky', 'snow', 'star', 'storm', 'sun', 'sunset', 'thunder', 'valley', 'wave', 'wind',
]

export function generateDisplayName(sequence: number, random: () => number): string {
  const adjective = ADJECTIVES[Math.floor(random() * ADJECTIVES.length)]
  const noun = NOUNS[Math.floor(random() * NOUNS.length)]
  return `${adjective}-${noun}-${sequence}`
}
