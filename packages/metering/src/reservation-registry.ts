import type { Hold } from '@10xstudent/domain'

/** What `reserveForChat` knew when it reserved: lets `meterStream({ hold })` estimate and budget. */
export interface ReservationInfo {
  model: string
  promptTokens: number
  maxOutputTokens: number
  runId: string
}

// Keyed weakly by the hold object `reserveForChat` returned: no leak, and no extra option the app can
// forget to pass from reserve to meter.
const reservations = new WeakMap<Hold, ReservationInfo>()

export function rememberReservation(hold: Hold, info: ReservationInfo): void {
  reservations.set(hold, info)
}

export function reservationOf(hold: Hold | undefined): ReservationInfo | undefined {
  return hold ? reservations.get(hold) : undefined
}
