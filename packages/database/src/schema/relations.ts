import { relations } from 'drizzle-orm'
import { apiKeys } from './api-keys'
import { creditHolds } from './credit-holds'
import { creditLogs } from './credit-logs'
import { users } from './users'

// Relations power `db.query.users.findFirst({ with: { creditLogs: true } })`; they add no SQL constraints.
export const usersRelations = relations(users, ({ many }) => ({
  creditLogs: many(creditLogs),
  creditHolds: many(creditHolds),
  apiKeys: many(apiKeys),
}))

export const creditLogsRelations = relations(creditLogs, ({ one }) => ({
  user: one(users, { fields: [creditLogs.userId], references: [users.id] }),
  hold: one(creditHolds, { fields: [creditLogs.holdId], references: [creditHolds.id] }),
}))

export const creditHoldsRelations = relations(creditHolds, ({ one, many }) => ({
  user: one(users, { fields: [creditHolds.userId], references: [users.id] }),
  entries: many(creditLogs),
}))

export const apiKeysRelations = relations(apiKeys, ({ one }) => ({
  user: one(users, { fields: [apiKeys.userId], references: [users.id] }),
}))
