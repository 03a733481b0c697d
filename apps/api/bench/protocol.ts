/** IPC messages between the benchmark's load generator (`api.bench.ts`) and its server process (`load-target.ts`). */

export interface Ports {
  metered: number
  unmetered: number
  logged: number
  hono: number
  node: number
}

export type ParentMessage =
  | { cmd: 'pace'; ms: number }
  | { cmd: 'gc' }
  | { cmd: 'streams' }
  | { cmd: 'close' }

export type ServerMessage =
  | { ok: 'ready'; ports: Ports; replyTokens: number; poolSize: number }
  | { ok: 'pace' }
  | { ok: 'gc'; rss: number }
  | { ok: 'streams'; open: number }
  | { ok: 'close' }
