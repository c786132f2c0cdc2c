// What createActivities needs: the Amazon Pay client, Prisma, a clock and a logger (tests inject fakes).
import type { PrismaClient } from '../prisma/generated/client';
import type { Logger } from '../lib/logger';
import type { AmazonPayApi } from './amazon-pay-api';

export interface ActivityDeps {
  amazonPay: AmazonPayApi;
  prisma: PrismaClient;
  clock: () => Date;
  log: Logger;
}
