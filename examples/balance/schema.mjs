// The balance service's data model (jazz-tools 0.20.19 schemas).
import { co, z } from 'jazz-tools'

/** A user's balance. Owned by a Group in which the worker is admin and the user only a reader. */
export const UserBalance = co.map({
  userId: z.string(),
  balance: z.number(),
  lastUpdated: z.date(),
})

/** One accepted purchase, in the same Group as the balance it was charged to. */
export const PurchaseRecord = co.map({
  userId: z.string(),
  itemId: z.string(),
  amount: z.number(),
  timestamp: z.date(),
  balanceAfter: z.number(),
})

/** Inbox message: open an account with an initial balance. */
export const CreateAccountMessage = co.map({
  type: z.literal('createAccount'),
  initialBalance: z.number(),
})

/** Inbox message: buy an item, charged to the sender's balance. */
export const BuyMessage = co.map({
  type: z.literal('buy'),
  itemId: z.string(),
  amount: z.number(),
})

/** What the worker's inbox accepts. */
export const BalanceMessage = co.discriminatedUnion('type', [CreateAccountMessage, BuyMessage])
