import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { getIntrospectionQuery } from 'graphql'
import { json, startApp, webRootFixture, type TestApp } from '../helpers.js'

let t: TestApp
beforeEach(async () => {
  t = await startApp()
})
afterEach(() => t.close())

/** As the W&B clients authenticate: Basic with user "api" and the key as password. */
function graphql(body: unknown, key: string | null = t.adminKey) {
  return t.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: {
      'content-type': 'application/json',
      ...(key !== null && { authorization: `Basic ${Buffer.from(`api:${key}`).toString('base64')}` }),
    },
    payload: JSON.stringify(body),
  })
}

describe('W&B GraphQL', () => {
  it('answers the Viewer query the clients send at login, with serverInfo', async () => {
    const res = await graphql({
      operationName: 'Viewer',
      query: `query Viewer { viewer { id entity username email flags teams { edges { node { name } } } }
        serverInfo { cliVersionInfo latestLocalVersionInfo { outOfDate latestVersionString versionOnThisInstanceString } } }`,
    })
    expect(res.statusCode).toBe(200)
    expect(json(res)).toEqual({
      data: {
        viewer: {
          id: expect.any(String),
          entity: 'admin',
          username: 'admin',
          email: null,
          flags: '{}',
          teams: { edges: [] },
        },
        serverInfo: {
          cliVersionInfo: { max_cli_version: '0.99.0', min_cli_version: '0.10.0' },
          latestLocalVersionInfo: null,
        },
      },
    })
  })

  it('answers introspection, which older clients probe, and advertises no optional feature', async () => {
    const res = await graphql({ query: getIntrospectionQuery() })
    const types = json<{ data: { __schema: { types: { name: string }[] } } }>(res).data.__schema.types
    expect(types.map((type) => type.name)).toEqual(expect.arrayContaining(['Query', 'User', 'ServerInfo']))
    const features = await graphql({
      query: 'query ServerFeaturesQuery { serverInfo { features { name isEnabled } } }',
    })
    expect(json(features)).toEqual({ data: { serverInfo: { features: [] } } })
  })

  it('answers GET with 405, not with a web app page', async () => {
    const { webRoot, cleanup } = webRootFixture()
    const withWeb = await startApp({ webRoot })
    try {
      const res = await withWeb.call('GET', '/graphql')
      expect(res.statusCode).toBe(405)
      expect(res.headers.allow).toContain('POST')
      // A project page still is one.
      expect((await withWeb.call('GET', '/admin')).statusCode).toBe(200)
    } finally {
      await withWeb.close()
      cleanup()
    }
  })

  it('needs a key like every other route', async () => {
    expect((await graphql({ query: '{ viewer { id } }' }, null)).statusCode).toBe(401)
    expect((await graphql({ query: '{ viewer { id } }' }, `local-${'x'.repeat(40)}`)).statusCode).toBe(401)
  })

  it('refuses malformed, over-deep and many-operation documents with GraphQL errors', async () => {
    const syntax = json<{ errors: { message: string }[] }>(await graphql({ query: '{ viewer { ' }))
    expect(syntax.errors[0]!.message).toMatch(/Syntax Error/)
    // Introspection types nest without end (`ofType`); a fragment chain cannot hide the depth.
    const chain = Array.from(
      { length: 16 },
      (_, i) => `fragment T${i} on __Type { ofType { name ...T${i + 1} } }`,
    )
    chain.push('fragment T16 on __Type { name }')
    const tooDeep = json<{ errors: { message: string }[] }>(
      await graphql({ query: `{ __schema { queryType { ...T0 } } } ${chain.join(' ')}` }),
    )
    expect(tooDeep.errors.map((e) => e.message).join(' ')).toMatch(/deeper than 15/)
    const shallow = `{ __schema { queryType { ...T0 } } } ${chain.slice(0, 3).join(' ')} fragment T3 on __Type { name }`
    expect(json(await graphql({ query: shallow }))).toMatchObject({
      data: { __schema: { queryType: { ofType: null } } },
    })
    const many = Array.from({ length: 6 }, (_, i) => `query Q${i} { viewer { id } }`).join(' ')
    expect(
      json<{ errors: { message: string }[] }>(await graphql({ query: many })).errors[0]!.message,
    ).toMatch(/at most 5 operations/)
    // Not a GraphQL request at all: the same 422 as REST.
    expect((await graphql({ nope: 1 })).statusCode).toBe(422)
  })
})
