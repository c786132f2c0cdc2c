// Ids of workflow code changes guarded by patched(); remove one only after deprecatePatch has outlived every run that took the old path.

/** v2: the expiry warning is also written to the payment history (before, it was only logged). */
export const EXPIRY_WARNING_HISTORY_ROW = 'expiry-warning-history-row';
