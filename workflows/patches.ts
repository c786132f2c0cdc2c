// Ids of workflow code changes guarded by patched(); remove one only after deprecatePatch has outlived every run that took the old path.

/** v2: the expiry warning is also written to the payment history (before, it was only logged). */
export const EXPIRY_WARNING_HISTORY_ROW = 'expiry-warning-history-row';

/** v3: the order row and new history rows are written by one activity, and not at all when unchanged. */
export const SINGLE_PROJECTION_WRITE = 'single-projection-write';
