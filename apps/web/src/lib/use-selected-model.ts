import { useEffect, useState } from 'react'
import type { ModelInfo } from './api-types'

const STORAGE_KEY = '10xstudent.model'

/**
 * The model to send with each message: the visitor's last choice if the API still offers it, else the demo
 * model, else the first model listed.
 *
 * @example
 * ```ts
 * pickModel(models, 'gemini-2.5-flash')
 * ```
 */
export function pickModel(models: readonly ModelInfo[], preferred: string | null): string | undefined {
  if (preferred && models.some((m) => m.model === preferred)) return preferred
  return (models.find((m) => m.demo) ?? models[0])?.model
}

/**
 * The selected model, remembered in local storage.
 *
 * @example
 * ```tsx
 * const [model, setModel] = useSelectedModel(models)
 * ```
 */
export function useSelectedModel(models: readonly ModelInfo[] | undefined) {
  const [model, setModelState] = useState<string | undefined>(undefined)

  useEffect(() => {
    if (!models) return
    setModelState((current) => pickModel(models, current ?? window.localStorage.getItem(STORAGE_KEY)))
  }, [models])

  function setModel(next: string) {
    window.localStorage.setItem(STORAGE_KEY, next)
    setModelState(next)
  }

  return [model, setModel] as const
}
