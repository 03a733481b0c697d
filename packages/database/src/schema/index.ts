/**
 * The drizzle schema: one file per table plus relations. Import as `schema` from `@10xstudent/database`.
 *
 * @example
 * ```ts
 * import { db, schema, eq } from '@10xstudent/database'
 * const user = await db.query.users.findFirst({ where: eq(schema.users.id, userId) })
 * ```
 */
export * from './api-keys'
export * from './credit-holds'
export * from './credit-logs'
export * from './relations'
export * from './users'
