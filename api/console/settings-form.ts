// Turns the settings page's form fields (checkboxes, radios, "quickCheckout.x" names) into the settings API's JSON patch.
import { CURRENCY_EXPONENT } from '../../lib/money';

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
  Object.assign(patch, refundApprovalPatch(form));
  return patch;
}

/**
 * The refund approval thresholds, "refundApprovalAbove.JPY" = "50000" or ".USD" = "500.00" (the currency's own units, as
 * the page shows them) → refundApprovalAbove {JPY: 50000, USD: 50000} in minor units; an empty field: no approval in
 * that currency. What is not a plain amount goes on as typed, for the settings' validation to refuse with its reason.
 * A form without these fields (none of them) leaves the stored thresholds as they are.
 */
function refundApprovalPatch(form: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  const fields = Object.keys(form).filter((k) => k.startsWith('refundApprovalAbove.'));
  if (fields.length > 0) {
    const above: Record<string, unknown> = {};
    for (const k of fields) {
      const raw = form[k];
      const v = typeof raw === 'string' ? raw.trim() : raw;
      if (v === '' || v === undefined) continue;
      const currency = k.slice('refundApprovalAbove.'.length);
      above[currency] = typeof v === 'string' ? toMinor(v, currency) : v;
    }
    patch.refundApprovalAbove = above;
  }
  const hours = typeof form.refundApprovalHours === 'string' ? form.refundApprovalHours.trim() : undefined;
  if (hours !== undefined && hours !== '') patch.refundApprovalHours = /^\d+$/.test(hours) ? Number(hours) : hours;
  return patch;
}

/** "500.00" USD → 50000 and "50000" JPY → 50000, by the digits (never through floating point); more decimals than the currency has give a fraction the validation refuses. */
function toMinor(text: string, currency: string): unknown {
  const e = CURRENCY_EXPONENT[currency];
  const m = /^(\d{1,12})(?:\.(\d{1,12}))?$/.exec(text);
  if (e === undefined || !m) return text;
  const fraction = m[2] ?? '';
  const whole = Number(m[1]) * 10 ** e + Number(fraction.slice(0, e).padEnd(e, '0') || '0');
  const rest = fraction.slice(e).replace(/0+$/, '');
  return rest === '' ? whole : whole + Number(`0.${rest}`);
}
