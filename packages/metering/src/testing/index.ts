export { chunks } from './chunks'
export {
  DEMO_REPLY,
  DemoTextAdapter,
  type DemoTextAdapterOptions,
  type DemoToolCall,
  demoTextAdapter,
} from './demo-adapter'
export {
  createMemoryLedger,
  type LedgerFaults,
  type MemoryLedger,
  type MemoryLedgerOptions,
  withLedgerFaults,
} from './memory-ledger'
