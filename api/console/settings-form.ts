// Turns the settings page's form fields (checkboxes, radios, "quickCheckout.x" names) into the settings API's JSON patch.
const BOOLEANS = ['enabled', 'linkOrderStatus', 'signInWithAmazon', 'recurringCompletionMail', 'reauthorizeOnExpiry', 'canHandlePendingAuthorization'];
const QUICK_BOOLEANS = ['enabled', 'noteField', 'customFields', 'guestTakesAmazonAddress'];

export function settingsPatchFromForm(form: Record<string, unknown>): Record<string, unknown> {
  const text = (k: string) => (typeof form[k] === 'string' ? (form[k] as string).trim() : undefined);
  const patch: Record<string, unknown> = {};
  // An unchecked checkbox is absent from the form: it means false.
  for (const k of BOOLEANS) patch[k] = form[k] === 'true';
  for (const k of ['paymentIntent', 'recurringPaymentIntent', 'addressSource']) if (text(k)) patch[k] = text(k);
  const days = text('expiryWarningDays');
  if (days !== undefined && days !== '') patch.expiryWarningDays = /^\d+$/.test(days) ? Number(days) : days;
  for (const k of ['merchantStoreName', 'softDescriptor']) {
    const v = text(k);
    patch[k] = v === '' ? undefined : v;
  }
  const quick: Record<string, unknown> = {};
  for (const k of QUICK_BOOLEANS) quick[k] = form[`quickCheckout.${k}`] === 'true';
  quick.buttonPosition = text('quickCheckout.buttonPosition') ?? 'cart';
  patch.quickCheckout = quick;
  return patch;
}
