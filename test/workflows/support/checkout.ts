// Drives a started order through Amazon's checkout (review → confirm → complete) as the storefront would.
import type { WorkflowHandle } from '@temporalio/client';
import { checkoutCompleted, checkoutConfirmed, checkoutReviewed, type PaymentActionResult } from '../../../workflows/messages';
import type { FakeAmazon } from './fake-amazon';

export async function checkout(handle: WorkflowHandle, amazon: FakeAmazon): Promise<PaymentActionResult> {
  const checkoutSessionId = amazon.addSession(undefined, { orderId: handle.workflowId.replace(/^order-/, '') });
  await handle.executeUpdate(checkoutReviewed, { args: [{ checkoutSessionId }] });
  await handle.executeUpdate(checkoutConfirmed, { args: [{ checkoutResultReturnUrl: 'https://shop.example/result' }] });
  return handle.executeUpdate(checkoutCompleted, { args: [{}] });
}
