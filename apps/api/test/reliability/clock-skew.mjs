// Preload (`node --import`) that shifts the application clock by CLOCK_SKEW_MS (e.g. +3600000): Date.now(),
// new Date() and performance-independent timestamps all read the skewed clock, like a host whose NTP broke.
// Timers are unaffected (they run on the monotonic clock), exactly as on a real skewed host.
const offset = Number(process.env.CLOCK_SKEW_MS ?? 0)
const RealDate = globalThis.Date
class SkewedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + offset)
    else super(...args)
  }
  static now() {
    return RealDate.now() + offset
  }
}
globalThis.Date = SkewedDate
