import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { useMemo, useState } from 'react'
import { ChatPage } from './components/chat-page'
import { CreditBadge } from './components/credit-badge'
import { SignInPanel } from './components/sign-in-panel'
import { UsagePage } from './components/usage-page'
import { createApiClient } from './lib/api-client'
import { ApiContext, type ApiContextValue } from './lib/api-context'
import type { StoredSession } from './lib/session'
import { type Route, useHashRoute } from './lib/use-hash-route'
import { useSession } from './lib/use-session'

/**
 * The whole app: a session (a demo one on first visit), then the signed-in shell.
 *
 * @example
 * ```tsx
 * createRoot(el).render(<App />)
 * ```
 */
export function App() {
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: true } } }),
  )
  const { state, signIn, reset } = useSession()

  return (
    <QueryClientProvider client={queryClient}>
      {state.status === 'ready' ? (
        <Shell session={state.session} resetSession={reset} />
      ) : (
        <div className="flex min-h-full items-center justify-center p-6">
          {state.status === 'loading' && (
            <p className="text-slate-500" aria-live="polite">
              Starting your demo session…
            </p>
          )}
          {state.status === 'needs-key' && <SignInPanel onSubmit={signIn} />}
          {state.status === 'error' && (
            <div role="alert" className="max-w-md rounded-xl border border-red-200 bg-white p-6 shadow-sm">
              <h1 className="text-lg font-semibold text-red-700">Could not reach the API</h1>
              <p className="mt-2 text-sm text-slate-600">{state.error}</p>
              <button
                type="button"
                onClick={reset}
                className="mt-4 rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
              >
                Try again
              </button>
            </div>
          )}
        </div>
      )}
    </QueryClientProvider>
  )
}

function Shell({ session, resetSession }: { session: StoredSession; resetSession: () => void }) {
  const route = useHashRoute()
  const [inFlight, setInFlight] = useState<number | null>(null)
  const ctx = useMemo<ApiContextValue>(
    () => ({
      api: createApiClient(() => session.apiKey, session.demo ? { onUnauthorized: resetSession } : {}),
      session,
      resetSession,
    }),
    [session, resetSession],
  )

  return (
    <ApiContext.Provider value={ctx}>
      <div className="flex min-h-full flex-col">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow"
        >
          Skip to content
        </a>
        <header className="sticky top-0 z-20 border-b border-slate-200 bg-white/90 backdrop-blur">
          <div className="mx-auto flex max-w-5xl items-center gap-2 px-4 py-2.5 sm:gap-4">
            <a href="#/" className="flex items-center gap-2 font-semibold text-slate-900">
              <span
                aria-hidden="true"
                className="grid size-8 place-items-center rounded-lg bg-indigo-600 text-sm font-bold text-white"
              >
                ¢
              </span>
              <span className="hidden sm:inline">
                10xstudent <span className="font-normal text-slate-500">Credits</span>
              </span>
              <span className="sr-only sm:hidden">10xstudent Credits</span>
            </a>
            <nav aria-label="Main" className="flex items-center gap-1 text-sm">
              <NavLink route="chat" current={route} href="#/">
                Chat
              </NavLink>
              <NavLink route="usage" current={route} href="#/usage">
                Usage
              </NavLink>
            </nav>
            <div className="ml-auto flex items-center gap-2">
              {session.demo && (
                <span className="hidden rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-800 sm:inline">
                  Demo
                </span>
              )}
              <CreditBadge inFlight={inFlight} />
            </div>
          </div>
        </header>
        <main id="main" className="mx-auto flex w-full max-w-5xl flex-1 flex-col px-4">
          {/* The chat stays mounted on the usage page so a streaming reply and the transcript survive navigation. */}
          <div hidden={route !== 'chat'} className="flex flex-1 flex-col">
            <ChatPage onInFlightChange={setInFlight} />
          </div>
          {route === 'usage' && <UsagePage />}
        </main>
      </div>
    </ApiContext.Provider>
  )
}

function NavLink(props: { route: Route; current: Route; href: string; children: string }) {
  const active = props.route === props.current
  return (
    <a
      href={props.href}
      aria-current={active ? 'page' : undefined}
      className={`rounded-md px-3 py-1.5 font-medium transition-colors focus-visible:outline-2 focus-visible:outline-indigo-600 ${
        active ? 'bg-indigo-50 text-indigo-700' : 'text-slate-600 hover:bg-slate-100 hover:text-slate-900'
      }`}
    >
      {props.children}
    </a>
  )
}
