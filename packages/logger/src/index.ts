export type { DestinationStream, Level, LevelWithSilent, Logger } from 'pino'
export { type ChildBindings, childLogger } from './child-logger'
export { type CreateLoggerOptions, createLogger } from './create-logger'
export { defaultLoggerOptions, getDefaultLogger, logger } from './default-logger'
export {
  createRedactor,
  MAX_REDACT_DEPTH,
  PROMPT_TEXT_KEYS,
  REDACT_CENSOR,
  type Redactor,
  type RedactorOptions,
  redactPaths,
  SECRET_KEYS,
  SECRET_NESTED_PATHS,
} from './redact'
