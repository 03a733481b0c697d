import { describe, expect, it } from 'vitest'
import {
  ApiError,
  apiErrorFromResponse,
  findApiError,
  insufficientCreditsOf,
  parseErrorBody,
} from './api-error'

describe('parseErrorBody', () => {
  it('keeps the documented envelope, with required and balance for a 402', () => {
    const body = parseErrorBody(
      { error: { code: 'insufficient_credits', message: 'Not enough credits', required: 12, balance: 3 } },
      402,
    )
    expect(body).toEqual({
      code: 'insufficient_credits',
      message: 'Not enough credits',
      required: 12,
      balance: 3,
    })
  })

  it.each([
    ['no body', undefined, { code: 'http_502', message: 'Request failed (502)' }],
    ['HTML', '<html>', { code: 'http_502', message: 'Request failed (502)' }],
    [
      'an empty message',
      { error: { code: 'x', message: '' } },
      { code: 'x', message: 'Request failed (502)' },
    ],
    [
      'non-integer amounts',
      { error: { code: 'insufficient_credits', message: 'm', required: '12', balance: 1.5 } },
      { code: 'insufficient_credits', message: 'm' },
    ],
  ])('falls back for %s', (_name, value, expected) => {
    expect(parseErrorBody(value, 502)).toEqual(expected)
  })
})

describe('apiErrorFromResponse', () => {
  it('reads a JSON error', async () => {
    const res = new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'Slow down' } }), {
      status: 429,
    })
    const err = await apiErrorFromResponse(res)
    expect(err).toBeInstanceOf(ApiError)
    expect([err.status, err.code, err.message]).toEqual([429, 'rate_limited', 'Slow down'])
    expect(insufficientCreditsOf(err)).toBeUndefined()
  })

  it('survives a body that is not JSON', async () => {
    const err = await apiErrorFromResponse(new Response('gateway timeout', { status: 504 }))
    expect([err.status, err.code]).toEqual([504, 'http_504'])
  })

  it('recognises a 402 by code or status', async () => {
    const err = await apiErrorFromResponse(new Response('{}', { status: 402 }))
    expect(insufficientCreditsOf(err)).toBe(err)
    expect(insufficientCreditsOf(new Error('HTTP error! status: 402'))).toBeUndefined()
  })

  it('finds the API error inside the errors the chat client wraps it in', () => {
    const api = new ApiError(402, {
      code: 'insufficient_credits',
      message: 'Not enough credits',
      required: 5,
      balance: 1,
    })
    const wrapped = new Error('Stream response body read failed', {
      cause: new Error('outer', { cause: api }),
    })
    expect(findApiError(wrapped)).toBe(api)
    expect(insufficientCreditsOf(wrapped)).toBe(api)
    expect(findApiError(new Error('plain', { cause: 'not an error' }))).toBeUndefined()
    expect(findApiError(undefined)).toBeUndefined()
  })
})
