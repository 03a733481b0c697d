/**
 * A small bundled corpus so the tools work offline (the demo runs without network). `web` stands in for
 * search-engine results, `notes` for a student's own documents that `rag_query` retrieves.
 */

export interface CorpusDocument {
  id: string
  title: string
  url: string
  text: string
}

export const WEB_CORPUS: readonly CorpusDocument[] = [
  {
    id: 'web-typst',
    title: 'Typst: a markup-based typesetting system',
    url: 'https://typst.app/docs/',
    text: 'Typst is a markup-based typesetting system for the sciences. It compiles documents to PDF quickly, supports math, bibliographies, tables and scripting, and is an alternative to LaTeX.',
  },
  {
    id: 'web-latex',
    title: 'LaTeX - A document preparation system',
    url: 'https://www.latex-project.org/',
    text: 'LaTeX is a high-quality typesetting system with features designed for the production of technical and scientific documentation. It is the de facto standard for scientific papers.',
  },
  {
    id: 'web-tanstack-ai',
    title: 'TanStack AI: type-safe AI SDK',
    url: 'https://tanstack.com/ai',
    text: 'TanStack AI is a type-safe TypeScript AI SDK for streaming chat, tool calling, agents and structured outputs. chat() returns a stream of AG-UI events that toServerSentEventsResponse sends to the browser.',
  },
  {
    id: 'web-gemini',
    title: 'Gemini API models',
    url: 'https://ai.google.dev/gemini-api/docs/models',
    text: 'Gemini models accept text, images and audio. Flash models are fast and cheap; Pro models reason more deeply. Usage metadata reports prompt, candidates, cached and thoughts token counts.',
  },
  {
    id: 'web-prompt-caching',
    title: 'Prompt caching: reuse a long prompt prefix',
    url: 'https://ai.google.dev/gemini-api/docs/caching',
    text: 'Prompt caching lets a provider reuse a repeated prompt prefix, such as a long system prompt or document. Cached input tokens are billed at a fraction of the normal input price, and usage metadata reports how many were cached.',
  },
  {
    id: 'web-photosynthesis',
    title: 'Photosynthesis - overview',
    url: 'https://en.wikipedia.org/wiki/Photosynthesis',
    text: 'Photosynthesis is the process by which plants, algae and cyanobacteria convert light energy into chemical energy, producing glucose and oxygen from carbon dioxide and water in the chloroplasts.',
  },
  {
    id: 'web-mitochondria',
    title: 'Mitochondrion - the powerhouse of the cell',
    url: 'https://en.wikipedia.org/wiki/Mitochondrion',
    text: 'The mitochondrion is an organelle that generates most of the chemical energy (ATP) needed to power the biochemical reactions of the cell through cellular respiration.',
  },
  {
    id: 'web-pythagoras',
    title: 'Pythagorean theorem',
    url: 'https://en.wikipedia.org/wiki/Pythagorean_theorem',
    text: 'In a right triangle the square of the hypotenuse equals the sum of the squares of the other two sides: a^2 + b^2 = c^2. It is fundamental in Euclidean geometry.',
  },
  {
    id: 'web-french-revolution',
    title: 'French Revolution (1789-1799)',
    url: 'https://en.wikipedia.org/wiki/French_Revolution',
    text: 'The French Revolution was a period of political and societal change in France that began with the Estates General of 1789 and ended with the coup of Napoleon Bonaparte in 1799.',
  },
  {
    id: 'web-postgres',
    title: "PostgreSQL: the world's most advanced open source database",
    url: 'https://www.postgresql.org/',
    text: 'PostgreSQL is a powerful open source object-relational database with ACID transactions, row-level locking, CHECK constraints and a reputation for reliability.',
  },
  {
    id: 'web-citation',
    title: 'How to cite sources in APA style',
    url: 'https://apastyle.apa.org/style-grammar-guidelines/citations',
    text: 'APA style uses the author-date citation system: cite the author surname and publication year in the text, and list full references alphabetically at the end of the paper.',
  },
]

export const NOTES_CORPUS: readonly CorpusDocument[] = [
  {
    id: 'note-bio-1',
    title: 'Biology lecture 3: cell energy',
    url: 'notes://biology/lecture-3',
    text: 'Cellular respiration happens in the mitochondria: glycolysis, the Krebs cycle and the electron transport chain yield about 30-32 ATP per glucose molecule.',
  },
  {
    id: 'note-bio-2',
    title: 'Biology lecture 4: photosynthesis',
    url: 'notes://biology/lecture-4',
    text: 'Light-dependent reactions in the thylakoid membranes make ATP and NADPH; the Calvin cycle in the stroma fixes carbon dioxide into sugars.',
  },
  {
    id: 'note-history-1',
    title: 'History seminar: causes of the French Revolution',
    url: 'notes://history/seminar-2',
    text: 'Causes discussed: fiscal crisis after the American war, bread prices, Enlightenment ideas, and the rigid privileges of the first and second estates.',
  },
  {
    id: 'note-math-1',
    title: 'Math tutorial: proofs of Pythagoras',
    url: 'notes://math/tutorial-1',
    text: 'Two proofs covered: rearrangement of four right triangles inside a square, and similar triangles formed by the altitude to the hypotenuse.',
  },
  {
    id: 'note-thesis',
    title: 'Thesis plan',
    url: 'notes://thesis/plan',
    text: 'The thesis will be written in Typst, with chapters on method, results and discussion. Deadline: end of semester. Cite sources in APA style.',
  },
]

export interface SearchHit {
  id: string
  title: string
  url: string
  snippet: string
  score: number
}

const STOP_WORDS = new Set([
  'the',
  'a',
  'an',
  'of',
  'and',
  'or',
  'in',
  'on',
  'to',
  'is',
  'what',
  'how',
  'for',
])

function terms(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 1 && !STOP_WORDS.has(t))
}

/**
 * Rank documents by how many query terms they contain (title matches count double). Deterministic, so
 * tests and the demo get stable results.
 *
 * @example
 * ```ts
 * searchCorpus(WEB_CORPUS, 'what is typst', 3)[0]?.id // 'web-typst'
 * ```
 */
export function searchCorpus(corpus: readonly CorpusDocument[], query: string, limit: number): SearchHit[] {
  const wanted = new Set(terms(query))
  if (wanted.size === 0) return []
  const hits: SearchHit[] = []
  for (const doc of corpus) {
    const title = new Set(terms(doc.title))
    const body = new Set(terms(doc.text))
    let score = 0
    for (const t of wanted) {
      if (title.has(t)) score += 2
      if (body.has(t)) score += 1
    }
    if (score > 0) hits.push({ id: doc.id, title: doc.title, url: doc.url, snippet: doc.text, score })
  }
  return hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, limit)
}
