/**
 * Which models a request may use, and the adapter that runs each. The demo model is always available; the
 * Gemini models of the price table are available when a Gemini key is configured. Prices come from the
 * domain price table: the app never prices anything itself.
 */
import { DEMO_MODEL, type ModelPrice, PRICE_TABLE } from '@10xstudent/domain'
import { createGeminiChat } from '@tanstack/ai-gemini'
import type { Config } from './config'
import { createDemoModel } from './demo-model'
import type { AdapterFactory } from './types'

/** A model as `/api/models` lists it: its domain price entry (credits per million tokens, per pool), `demo` always set. */
export interface ModelInfo extends Omit<ModelPrice, 'demo'> {
  demo: boolean
}

export interface ModelCatalog {
  defaultModel: string
  priceVersion: string
  list(): ModelInfo[]
  /** The price entry of an available model, or `undefined` (unknown, or Gemini without a key). */
  get(model: string): ModelPrice | undefined
  createAdapter: AdapterFactory
}

function info(price: ModelPrice): ModelInfo {
  return {
    model: price.model,
    label: price.label,
    provider: price.provider,
    demo: price.demo === true,
    uncachedInput: price.uncachedInput,
    cachedInput: price.cachedInput,
    cacheWrite: price.cacheWrite,
    output: price.output,
    reasoning: price.reasoning,
    maxOutputTokens: price.maxOutputTokens,
    contextWindow: price.contextWindow,
  }
}

/**
 * @example
 * ```ts
 * const catalog = createModelCatalog(config)
 * const price = catalog.get(body.model ?? catalog.defaultModel)
 * const adapter = catalog.createAdapter(price.model, { maxOutputTokens })
 * ```
 */
export function createModelCatalog(config: Config, override?: AdapterFactory): ModelCatalog {
  const available = Object.values(PRICE_TABLE.models).filter(
    (p) => p.demo === true || (p.provider === 'gemini' && Boolean(config.geminiApiKey)),
  )
  const byId = new Map(available.map((p) => [p.model, p]))
  const defaultModel = config.defaultModel && byId.has(config.defaultModel) ? config.defaultModel : DEMO_MODEL

  const createAdapter: AdapterFactory = (model) => {
    if (model === DEMO_MODEL) return createDemoModel({ chunkDelayMs: config.demoChunkDelayMs })
    const apiKey = config.geminiApiKey
    if (!apiKey || !byId.has(model)) throw new Error(`model ${model} is not available`)
    return createGeminiChat(model as Parameters<typeof createGeminiChat>[0], apiKey, {
      ...(config.geminiBaseUrl ? { baseURL: config.geminiBaseUrl } : {}),
    })
  }

  return {
    defaultModel,
    priceVersion: PRICE_TABLE.version,
    list: () => available.map(info),
    get: (model) => byId.get(model),
    createAdapter: override ?? createAdapter,
  }
}
