// The benchmark's counting rule for Temporal Cloud's billable Actions (scripts/bench/actions.ts) on hand-made histories.
import { billableActions, type HistoryEvent } from '../../scripts/bench/actions';

/** Event ids are protobuf Longs; the rule only turns them into strings, which a number does the same. */
const long = (n: number) => n as unknown as NonNullable<HistoryEvent['eventId']>;
let nextId = 1;
const ev = (attrs: Omit<HistoryEvent, 'eventId'>): HistoryEvent => ({ eventId: long(nextId++), ...attrs });
const wftCompleted = (id: number, nonfirstLocalActivityExecutionAttempts = 0): HistoryEvent => ({
  eventId: long(id),
  workflowTaskCompletedEventAttributes: { meteringMetadata: { nonfirstLocalActivityExecutionAttempts } },
});
const marker = (markerName: string, wft: number): HistoryEvent => ev({ markerRecordedEventAttributes: { markerName, workflowTaskCompletedEventId: long(wft) } });
const upsert = (...keys: string[]): HistoryEvent => ev({ upsertWorkflowSearchAttributesEventAttributes: { searchAttributes: { indexedFields: Object.fromEntries(keys.map((k) => [k, {}])) } } });

describe('billableActions', () => {
  it('counts a start, activities with their retries, timers, signals and accepted updates', () => {
    const a = billableActions([
      ev({ workflowExecutionStartedEventAttributes: {} }),
      ev({ activityTaskScheduledEventAttributes: {} }),
      ev({ activityTaskStartedEventAttributes: { attempt: 1 } }),
      ev({ activityTaskScheduledEventAttributes: {} }),
      ev({ activityTaskStartedEventAttributes: { attempt: 3 } }),
      ev({ timerStartedEventAttributes: {} }),
      ev({ workflowExecutionSignaledEventAttributes: {} }),
      ev({ workflowExecutionUpdateAcceptedEventAttributes: {} }),
      ev({ workflowExecutionUpdateCompletedEventAttributes: {} }),
      ev({ workflowExecutionCompletedEventAttributes: {} }),
    ]);
    expect(a).toEqual({ workflowStarted: 1, activityStarted: 2, activityRetried: 2, timerStarted: 1, signal: 1, update: 1, total: 8 });
  });

  it('counts the markers of one workflow task as one action, and local-activity retries from the task metering', () => {
    const a = billableActions([wftCompleted(10, 2), marker('core_local_activity', 10), marker('core_patch', 10), wftCompleted(20), marker('core_local_activity', 20)]);
    expect(a).toEqual({ localActivityRetried: 2, markersOfAWorkflowTask: 2, total: 4 });
  });

  it('bills search attribute upserts except TemporalChangeVersion alone, and a child start twice', () => {
    const a = billableActions([upsert('TemporalChangeVersion'), upsert('PaymentStatus', 'TemporalChangeVersion'), upsert('OrderStatus'), ev({ startChildWorkflowExecutionInitiatedEventAttributes: {} }), ev({ signalExternalWorkflowExecutionInitiatedEventAttributes: {} })]);
    expect(a).toEqual({ searchAttributesUpserted: 2, childWorkflowStarted: 2, total: 4 });
  });
});
