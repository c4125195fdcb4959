import { describe, expect, it } from 'vitest'
import { parseRoute } from '../src/app/router'
import { buildFilter, parseFilterRows, typedValue } from '../src/runs/run-query'
import { ansiSpans, plainText } from '../src/run/ansi'
import { nextPath } from '../src/pages/SignIn'

describe('run filters', () => {
  it('turns the name search and the builder rows into one server filter', () => {
    expect(buildFilter('', [])).toBeNull()
    expect(buildFilter(' lr ', [])).toEqual({ name: { $contains: 'lr' } })
    expect(
      buildFilter('x', [
        ['config.lr', '$gt', '0.01'],
        ['tags', '$in', 'a,b'],
        ['state', '$eq', 'finished'],
        ['summary.done', '$exists', 'true'],
      ]),
    ).toEqual({
      $and: [
        { name: { $contains: 'x' } },
        { 'config.lr': { $gt: 0.01 } },
        { tags: { $in: ['a', 'b'] } },
        { state: { $eq: 'finished' } },
        { 'summary.done': { $exists: true } },
      ],
    })
  })

  it('reads back only well-formed rows from the address', () => {
    expect(parseFilterRows('[["state","$eq","x"],["a","$bad","y"],[1,2]]')).toEqual([['state', '$eq', 'x']])
    expect(parseFilterRows('not json')).toEqual([])
    expect(typedValue('3')).toBe(3)
    expect(typedValue('true')).toBe(true)
    expect(typedValue('3e')).toBe('3e')
  })
})

describe('routes', () => {
  it('parses every page the SDK and CLI link to', () => {
    expect(parseRoute('/')).toEqual({ page: 'home' })
    expect(parseRoute('/admin')).toEqual({ page: 'projects', entity: 'admin' })
    expect(parseRoute('/admin/p')).toEqual({ page: 'workspace', entity: 'admin', project: 'p' })
    expect(parseRoute('/admin/p/runs/abc')).toEqual({
      page: 'run',
      entity: 'admin',
      project: 'p',
      runId: 'abc',
      tab: 'overview',
    })
    expect(parseRoute('/admin/p/runs/a%2Fb/logs')).toMatchObject({ runId: 'a/b', tab: 'logs' })
    expect(parseRoute('/admin/p/runs/abc/nope')).toEqual({ page: 'not-found' })
  })

  it('returns after sign-in only to a path of this app', () => {
    expect(nextPath('?next=%2Fadmin%2Fp')).toBe('/admin/p')
    expect(nextPath('?next=https%3A%2F%2Fevil.example')).toBe('/')
    expect(nextPath('?next=%2F%2Fevil.example')).toBe('/')
  })
})

describe('ANSI console lines', () => {
  it('splits colour codes into classed spans and drops other escapes', () => {
    expect(ansiSpans('a \u001b[1;31mred\u001b[0m b\u001b[2K')).toEqual([
      { text: 'a ', className: '' },
      { text: 'red', className: 'fg-1 bold' },
      { text: ' b', className: '' },
    ])
    expect(plainText('\u001b[38;5;200mx\u001b[0m')).toBe('x')
  })
})
