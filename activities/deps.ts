// What createActivities needs: the shop, its Amazon Pay client, Prisma, a clock and a logger (tests inject fakes).
import type { PrismaClient } from '../prisma/generated/client';
import type { Logger } from '../lib/logger';
import type { AmazonPayApi } from './amazon-pay-api';

export interface ActivityDeps {
  /**
   * The shop of the workflow that scheduled the activity (docs/shops.md): its Amazon calls sign as this shop's
   * merchant and its database reads and writes are this shop's (the worker builds one set of activities per shop).
   */
  shopId: string;
  amazonPay: AmazonPayApi;
  /** Every shop's client, for the one activity that spans shops (the reconcile); absent: `amazonPay` for all. */
  amazonPayFor?: (shopId: string) => AmazonPayApi | Promise<AmazonPayApi>;
  prisma: PrismaClient;
  clock: () => Date;
  log: Logger;
}
