import { memo } from 'react'
import ReactMarkdown, { type Components } from 'react-markdown'

// react-markdown escapes raw HTML by default (no rehype-raw), so model output cannot inject markup.
const components: Components = {
  a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noopener noreferrer" />,
}

/**
 * Render model output as markdown, safely.
 *
 * @example
 * ```tsx
 * <Markdown text={'**bold** and `code`'} streaming={false} />
 * ```
 */
export const Markdown = memo(function Markdown({
  text,
  streaming = false,
}: {
  text: string
  streaming?: boolean
}) {
  return (
    <div className={`markdown text-[15px] leading-relaxed text-slate-800 ${streaming ? 'streaming' : ''}`}>
      <ReactMarkdown components={components}>{text}</ReactMarkdown>
    </div>
  )
})
