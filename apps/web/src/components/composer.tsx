import { type FormEvent, type KeyboardEvent, type RefObject, useId } from 'react'

/**
 * The message box: Enter sends, Shift+Enter adds a line; while a reply streams the send button becomes Stop.
 *
 * @example
 * ```tsx
 * <Composer value={draft} onChange={setDraft} onSend={send} onStop={stop} streaming={isLoading} />
 * ```
 */
export function Composer(props: {
  value: string
  onChange: (value: string) => void
  onSend: () => void
  onStop: () => void
  streaming: boolean
  disabled?: boolean
  inputRef?: RefObject<HTMLTextAreaElement | null>
}) {
  const id = useId()
  const canSend = !props.streaming && !props.disabled && props.value.trim().length > 0

  function submit(e: FormEvent) {
    e.preventDefault()
    if (canSend) props.onSend()
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault()
      if (canSend) props.onSend()
    }
    if (e.key === 'Escape' && props.streaming) props.onStop()
  }

  return (
    <form
      onSubmit={submit}
      className="flex items-end gap-2 rounded-2xl border border-slate-300 bg-white p-2 shadow-sm focus-within:border-indigo-500 focus-within:ring-2 focus-within:ring-indigo-200"
    >
      <label htmlFor={id} className="sr-only">
        Message
      </label>
      <textarea
        id={id}
        ref={props.inputRef}
        data-testid="chat-input"
        rows={1}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        onKeyDown={onKeyDown}
        placeholder="Ask anything…"
        className="max-h-40 min-h-10 flex-1 resize-none bg-transparent px-2 py-2 text-[15px] text-slate-900 placeholder:text-slate-400 focus:outline-none field-sizing-content"
      />
      {props.streaming ? (
        <button
          type="button"
          onClick={props.onStop}
          data-testid="stop-button"
          aria-label="Stop generating"
          className="inline-flex h-10 shrink-0 items-center gap-2 rounded-xl bg-slate-900 px-4 text-sm font-medium text-white hover:bg-slate-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900"
        >
          <span aria-hidden="true" className="size-2.5 rounded-sm bg-white" />
          Stop
        </button>
      ) : (
        <button
          type="submit"
          data-testid="send-button"
          disabled={!canSend}
          className="inline-flex h-10 shrink-0 items-center rounded-xl bg-indigo-600 px-4 text-sm font-medium text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-50"
        >
          Send
        </button>
      )}
    </form>
  )
}
