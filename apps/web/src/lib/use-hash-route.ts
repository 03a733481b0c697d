import { useSyncExternalStore } from 'react'

/** The app's pages. Hash routing keeps the static build servable from any path without server rewrites. */
export type Route = 'chat' | 'usage'

function subscribe(onChange: () => void) {
  window.addEventListener('hashchange', onChange)
  return () => window.removeEventListener('hashchange', onChange)
}

/**
 * Map a location hash to a page; anything unknown is the chat.
 *
 * @example
 * ```ts
 * routeFromHash('#/usage') // 'usage'
 * ```
 */
export function routeFromHash(hash: string): Route {
  return hash.replace(/^#\/?/, '').split(/[?/]/)[0] === 'usage' ? 'usage' : 'chat'
}

/**
 * The current page, re-rendering on `hashchange`.
 *
 * @example
 * ```tsx
 * const route = useHashRoute()
 * ```
 */
export function useHashRoute(): Route {
  return useSyncExternalStore(
    subscribe,
    () => routeFromHash(window.location.hash),
    () => 'chat',
  )
}
