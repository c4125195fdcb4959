/**
 * `await using run = await stemma.init()` needs `Symbol.asyncDispose`. Node ≥ 20.4 defines it;
 * on an older runtime define it once, by check, so TypeScript's downlevel helpers find the same
 * symbol the Run class is keyed by. Imported for its effect before `Run` is defined.
 */
if (typeof (Symbol as { asyncDispose?: symbol }).asyncDispose !== 'symbol') {
  Object.defineProperty(Symbol, 'asyncDispose', { value: Symbol.for('nodejs.asyncDispose') })
}
export {}
