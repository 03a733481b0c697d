import { describe, expect, it } from 'vitest'
import { NOTES_CORPUS, searchCorpus, WEB_CORPUS } from './corpus'

describe('searchCorpus', () => {
  it.each([
    ['what is typst', 'web-typst'],
    ['mitochondria ATP energy', 'web-mitochondria'],
    ['French Revolution 1789', 'web-french-revolution'],
  ])('finds %s', (query, id) => {
    expect(searchCorpus(WEB_CORPUS, query, 3)[0]?.id).toBe(id)
  })

  it('searches the notes separately and respects the limit', () => {
    const hits = searchCorpus(NOTES_CORPUS, 'biology lecture', 1)
    expect(hits).toHaveLength(1)
    expect(hits[0]?.url).toMatch(/^notes:\/\/biology/)
  })

  it('returns nothing for stop words or no match', () => {
    expect(searchCorpus(WEB_CORPUS, 'the of and', 3)).toEqual([])
    expect(searchCorpus(WEB_CORPUS, 'zzzqqq', 3)).toEqual([])
  })
})
