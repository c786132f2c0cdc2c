// Replays every recorded history in test/replay/histories against today's workflow code: a change that would break running orders fails here.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

const dir = path.join(__dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows/index.ts'), logger: new DefaultLogger('WARN') });
}, 120_000);

test('there are recorded histories to replay', () => {
  expect(files.length).toBeGreaterThan(0);
});

test.each(files)('replays %s deterministically', async (file) => {
  const history = temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
  // A recording kept from before a change (name.before-<patch>.json) replays under the workflow id it was recorded with.
  await Worker.runReplayHistory({ workflowBundle: bundle }, history, file.replace(/(\.before-[a-z0-9-]+)?\.json$/, ''));
});

const activityTasks = (file: string, names: string) => (readFileSync(path.join(dir, file), 'utf8').match(new RegExp(`"name": "(${names})"`, 'g')) ?? []).length;
const localMarkers = (file: string) => (readFileSync(path.join(dir, file), 'utf8').match(/"markerName": "core_local_activity"/g) ?? []).length;

test('the recordings cover both paths of LOCAL_AMAZON_CALLS: Amazon calls as activity tasks before it, inside workflow tasks since', () => {
  const amazon = 'getCheckoutSession|updateCheckoutSession|completeCheckoutSession|captureCharge|createRefund';
  expect(activityTasks('authorize-with-capture-refunds.before-local-amazon-calls.json', amazon)).toBeGreaterThanOrEqual(4);
  expect(activityTasks('authorize-with-capture-refunds.before-order-v14.json', amazon)).toBe(0);
  expect(localMarkers('authorize-with-capture-refunds.before-order-v14.json')).toBeGreaterThan(localMarkers('authorize-with-capture-refunds.before-local-amazon-calls.json'));
});

test('a v14 recording schedules the state-changing Amazon calls as activity tasks and keeps the reads local', () => {
  expect(activityTasks('authorize-with-capture-refunds.before-order-v15.json', 'completeCheckoutSession')).toBe(1);
  expect(activityTasks('authorize-with-capture-refunds.before-order-v15.json', 'createRefund')).toBe(1);
  expect(activityTasks('authorize-with-capture-refunds.before-order-v15.json', 'getCheckoutSession|updateCheckoutSession')).toBe(0);
});

test('the recordings cover both paths of ORDER_V15: its marker alone, every Amazon call inside a workflow task, and a lost call recovered', () => {
  const read = (file: string) => readFileSync(path.join(dir, file), 'utf8');
  const patchIds = (file: string) => [...read(file).matchAll(/"markerName": "core_patch"/g)].length;
  expect(activityTasks('authorize-with-capture-refunds.json', 'getCheckoutSession|updateCheckoutSession|completeCheckoutSession|captureCharge|createRefund')).toBe(0);
  expect(patchIds('authorize-with-capture-refunds.json')).toBe(1);
  expect(localMarkers('authorize-with-capture-refunds.json')).toBeGreaterThan(localMarkers('authorize-with-capture-refunds.before-order-v15.json'));
  // The recovery's read of the pre-payment rows, then the capture sent again (both local activities).
  const decoded = [...read('recovered-lost-capture.json').matchAll(/"data": ?"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8'));
  const types = decoded.map((t) => /"activity_type":"([A-Za-z]+)"/.exec(t)?.[1]).filter((t): t is string => t !== undefined);
  expect(types.slice(types.indexOf('moneyCommandsOfOrder'))).toEqual(expect.arrayContaining(['moneyCommandsOfOrder', 'captureCharge']));
});

test('the recordings cover both paths of ORDER_V14: two patch markers and a timer restarted around a refund poll before it, one marker and the timer kept since', () => {
  const read = (file: string) => readFileSync(path.join(dir, file), 'utf8');
  const count = (file: string, pattern: RegExp) => (read(file).match(pattern) ?? []).length;
  const patchMarkers = /"markerName": "core_patch"/g;
  const cancels = /"eventType": "EVENT_TYPE_TIMER_CANCELED"/g;
  expect(count('authorize-with-capture-refunds.before-order-v14.json', patchMarkers)).toBe(2);
  expect(count('authorize-with-capture-refunds.before-order-v15.json', patchMarkers)).toBe(1);
  expect(count('authorize-with-capture-refunds.before-order-v15.json', cancels)).toBeLessThan(count('authorize-with-capture-refunds.before-order-v14.json', cancels));
});
