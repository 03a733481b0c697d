export type { MeteringLogger, MeteringLogger as Logger } from './logger'
export { type MeterStreamOptions, meterStream } from './meter-stream'
export { type MeteredToolOptions, meteredTool } from './metered-tool'
export { type CreditMeteringOptions, creditMetering } from './middleware'
export {
  type ChatReservation,
  DEFAULT_MIN_OUTPUT_TOKENS,
  type ReserveForChatInput,
  reserveForChat,
} from './reserve'
export { finishReasonOf, type MeterOptions, type MeterPolicies } from './run-meter'
export {
  CREDITS_EVENT_NAME,
  type CreditsChunk,
  type CreditsEventValue,
  creditsChunkOf,
  type Settlement,
} from './settlement'
export {
  countMessageTokens,
  countPromptTokens,
  countTokens,
  countToolTokens,
  type PromptInput,
  TOKENS_PER_MEDIA_PART,
  TOKENS_PER_MESSAGE,
  TOKENS_PER_REPLY,
  TOKENS_PER_TOOL,
} from './tokens'
