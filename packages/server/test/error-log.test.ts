import { expect, it } from 'vitest'
import { requestForLog } from '../src/error-log.js'

it('names a request by method and path, without its query or a signed upload token', () => {
  expect(requestForLog({ method: 'GET', url: '/api/v1/runs/e/p/r/history?keys=loss' })).toEqual({
    method: 'GET',
    path: '/api/v1/runs/e/p/r/history',
  })
  expect(requestForLog({ method: 'PUT', url: '/wandb/uploads/eyJ.c2ln/output.log' })).toEqual({
    method: 'PUT',
    path: '/wandb/uploads/…/output.log',
  })
})
