// The failure types (reason codes) of the ownership checks (lib/amazon-object-owners.ts); the API answers both with 409.
// Pure (no imports) so the order workflow can raise the same code as the activities' checks.
export const OWNERSHIP_CODES = {
  /** The checkout session was started for another order (its merchantReferenceId), or is already another order's. */
  sessionMismatch: 'CheckoutSessionMismatch',
  /** A charge permission, charge or refund already belongs to another order. */
  ownedByAnotherOrder: 'AmazonObjectOwnedByAnotherOrder',
} as const;
