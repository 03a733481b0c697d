import { type FormEvent, useId, useState } from 'react'

/**
 * Shown when the API is not in demo mode: the visitor pastes an API key issued by an operator.
 *
 * @example
 * ```tsx
 * <SignInPanel onSubmit={(key) => signIn(key)} />
 * ```
 */
export function SignInPanel({ onSubmit }: { onSubmit: (apiKey: string) => void }) {
  const [key, setKey] = useState('')
  const id = useId()
  function submit(e: FormEvent) {
    e.preventDefault()
    if (key.trim()) onSubmit(key.trim())
  }
  return (
    <form
      onSubmit={submit}
      className="w-full max-w-md rounded-2xl border border-slate-200 bg-white p-6 shadow-sm"
    >
      <h1 className="text-lg font-semibold">Sign in with an API key</h1>
      <p className="mt-1 text-sm text-slate-600">
        This server is not in demo mode. Paste the key an operator created for you (<code>pnpm cli</code>).
      </p>
      <label htmlFor={id} className="mt-4 block text-sm font-medium text-slate-700">
        API key
      </label>
      <input
        id={id}
        type="password"
        autoComplete="off"
        value={key}
        onChange={(e) => setKey(e.target.value)}
        className="mt-1 w-full rounded-lg border border-slate-300 px-3 py-2 text-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"
      />
      <button
        type="submit"
        disabled={!key.trim()}
        className="mt-4 w-full rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-50"
      >
        Continue
      </button>
    </form>
  )
}
