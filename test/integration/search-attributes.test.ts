/**
 * Registering the order workflow's search attributes on a cluster that lacks them (`npm start` with
 * TEMPORAL_ADDRESS, lib/temporal.ts): against a real Temporal dev server started without any, each
 * attribute gets the type the workflow writes, so an order that carries AuthorizationExpiresAt (a
 * Datetime) is accepted and found by a range query instead of failing as a Bool.
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureSearchAttributes, INDEXED_VALUE_TYPES } from '../../lib/temporal';
import { testDevServerExecutable } from '../../lib/tools';
import { AuthorizationExpiresAtKey, CurrencyKey, OrderAmountKey, OrderIdKey, PaymentStatusKey, SEARCH_ATTRIBUTE_KEYS, orderWorkflowId, WORKFLOW_TYPES, DEFAULT_SHOP_ID } from '../../lib/names';
import { google, temporal } from '@temporalio/proto';
import { freePort, waitFor } from '../helpers/http';

const T = temporal.api.enums.v1.IndexedValueType;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal({ server: { executable: testDevServerExecutable(), ip: '127.0.0.1', port: await freePort() } });
}, 120_000);
afterAll(async () => {
  await env?.teardown();
});

test('a cluster without the attributes gets each with the type the workflow writes, once', async () => {
  const namespace = env.namespace ?? 'default';
  const before = await env.connection.operatorService.listSearchAttributes({ namespace });
  expect(Object.keys(before.customAttributes ?? {})).not.toContain('AuthorizationExpiresAt');

  const logged: string[] = [];
  await ensureSearchAttributes(env.connection, namespace, SEARCH_ATTRIBUTE_KEYS, (m) => logged.push(m));
  expect(logged).toEqual([expect.stringContaining('AuthorizationExpiresAt')]);
  const after = (await env.connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  expect(Object.fromEntries(SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, after[k.name]]))).toEqual({
    ShopId: T.INDEXED_VALUE_TYPE_KEYWORD,
    OrderId: T.INDEXED_VALUE_TYPE_KEYWORD,
    PaymentStatus: T.INDEXED_VALUE_TYPE_KEYWORD,
    OrderStatus: T.INDEXED_VALUE_TYPE_KEYWORD,
    OrderAmount: T.INDEXED_VALUE_TYPE_INT,
    Currency: T.INDEXED_VALUE_TYPE_KEYWORD,
    AuthorizationExpiresAt: T.INDEXED_VALUE_TYPE_DATETIME,
  });

  // A second start finds them all and registers nothing.
  await ensureSearchAttributes(env.connection, namespace, SEARCH_ATTRIBUTE_KEYS, (m) => logged.push(m));
  expect(logged).toHaveLength(1);
}, 60_000);

test('an order carrying an authorization expiry is accepted and found by a date range query', async () => {
  const expiresAt = new Date('2027-01-15T00:00:00.000Z');
  const workflowId = orderWorkflowId(DEFAULT_SHOP_ID, `SA-${randomUUID()}`);
  // No worker: the server alone validates the attributes at the start (a Bool attribute refuses a date).
  const handle = await env.client.workflow.start(WORKFLOW_TYPES.orderPayment, {
    workflowId,
    taskQueue: `sa-${randomUUID()}`,
    args: [],
    typedSearchAttributes: [
      { key: OrderIdKey, value: workflowId },
      { key: PaymentStatusKey, value: 'Authorized' },
      { key: OrderAmountKey, value: 5000 },
      { key: CurrencyKey, value: 'JPY' },
      { key: AuthorizationExpiresAtKey, value: expiresAt },
    ],
  });
  try {
    const found = async (query: string) => {
      const ids: string[] = [];
      for await (const w of env.client.workflow.list({ query })) ids.push(w.workflowId);
      return ids;
    };
    await waitFor(async () => (await found(`AuthorizationExpiresAt < "2027-02-01T00:00:00Z"`)).includes(workflowId), 10_000);
    expect(await found(`AuthorizationExpiresAt < "2027-01-01T00:00:00Z"`)).not.toContain(workflowId);
    expect((await handle.describe()).typedSearchAttributes.get(AuthorizationExpiresAtKey)?.toISOString()).toBe(expiresAt.toISOString());
  } finally {
    await handle.terminate('test over');
  }
}, 60_000);

test('an attribute an earlier release registered as Bool stops the start with the commands that fix it', async () => {
  const namespace = `wrong-${Date.now()}`;
  await env.connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: google.protobuf.Duration.fromObject({ seconds: 86_400 }) });
  await waitFor(async () => (await env.connection.workflowService.describeNamespace({ namespace }).then(() => true, () => false)), 10_000);
  await env.connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { AuthorizationExpiresAt: T.INDEXED_VALUE_TYPE_BOOL } });
  const err = await ensureSearchAttributes(env.connection, namespace, SEARCH_ATTRIBUTE_KEYS, () => undefined).then(() => undefined, (e: Error) => e);
  expect(err?.message).toMatch(/AuthorizationExpiresAt is INDEXED_VALUE_TYPE_BOOL, expected Datetime/);
  expect(err?.message).toContain(`temporal operator search-attribute remove --namespace ${namespace} --name AuthorizationExpiresAt`);
  expect(err?.message).toContain(`temporal operator search-attribute create --namespace ${namespace} --name AuthorizationExpiresAt --type Datetime`);
  // Nothing else was registered on the way.
  expect(Object.keys((await env.connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {})).toEqual(['AuthorizationExpiresAt']);
}, 60_000);

test('every SDK search attribute type maps to the server type of the same name', () => {
  for (const [name, value] of Object.entries(INDEXED_VALUE_TYPES)) expect(T[value]).toBe(`INDEXED_VALUE_TYPE_${name}`);
});
